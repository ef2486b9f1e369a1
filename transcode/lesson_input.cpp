#include "transcode/lesson_input.hpp"

#include "transcode/file_track.hpp"
#include "transcode/lesson_chapters.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace tafel::transcode {

Result<std::unique_ptr<LessonInput>> read_lesson_input(const std::filesystem::path& raw_dir,
                                                       const std::filesystem::path& out_dir,
                                                       const RenderOptions& options) {
    auto info = ingest::read_recording_info(raw_dir);
    if (!info) return std::unexpected(info.error());
    if (!info->stopped) {
        return fail(Errc::invalid_argument,
                    fmt::format("recording {}: recording.json has no stopped_utc_us (still recording?)", info->id));
    }
    const std::int64_t duration_us = info->stopped->utc_us - info->started.utc_us;
    if (duration_us <= 0) {
        return fail(Errc::malformed_input,
                    fmt::format("recording {}: stopped_utc_us is not after started_utc_us", info->id));
    }
    if (options.output.audio_sample_rate != k_mix_sample_rate) {
        return fail(Errc::unsupported,
                    fmt::format("audio sample rate {} (the mix runs at 48000)", options.output.audio_sample_rate));
    }
    auto events = ingest::read_events(raw_dir);
    if (!events) return std::unexpected(events.error());

    auto in = std::make_unique<LessonInput>();
    in->opener = options.open_track ? options.open_track : TrackOpener(&open_recorded_track);
    in->timeline = LessonTimeline::build(raw_dir, *info, *events);
    // Paused spans are cut from every output, the audio sample-exactly.
    in->pauses = PauseMap::from_events(*info, *events, duration_us);
    in->sample_pauses = in->pauses.rescaled(k_timebase_us, k_timebase_48khz);
    // Chapters are known before the first sample: they go into the containers' headers too.
    in->cues = chapter_cues(in->timeline, in->pauses);
    in->output_ms = in->pauses.output_duration() / 1000;
    in->chat = in->timeline.chat();
    for (auto& line : in->chat) line.t_ms = in->pauses.to_output(line.t_ms * 1000) / 1000;
    in->output = options.output;
    if (in->output.title.empty()) in->output.title = info->meeting.name;
    in->output.chapters = container_chapters(in->cues, in->output_ms);
    in->info = std::move(*info);
    in->events = std::move(*events);

    std::error_code ec;
    std::filesystem::create_directories(out_dir, ec);
    if (ec) return fail(Errc::io, fmt::format("create {}: {}", out_dir.string(), ec.message()));
    return in;
}

Result<void> write_chat_and_chapters(const std::filesystem::path& out_dir, const LessonInput& input,
                                     std::vector<std::filesystem::path>& files) {
    const auto chat_file = out_dir / "chat.json";
    if (auto w = write_chat_json(chat_file, input.chat); !w) return w;
    files.push_back(chat_file);
    const auto chapters_file = out_dir / "chapters.vtt";
    if (auto w = write_chapters_vtt(chapters_file, input.cues, input.output_ms); !w) return w;
    files.push_back(chapters_file);
    return {};
}

Result<void> write_lesson_manifest(const std::filesystem::path& out_dir, const LessonInput& input,
                                   LessonManifest manifest, std::vector<std::filesystem::path>& files) {
    manifest.id = input.info.id;
    manifest.title = input.info.meeting.name;
    manifest.context = input.info.meeting.context;
    manifest.duration_ms = input.output_ms;
    manifest.started_utc_us = input.info.started.utc_us;
    for (const auto& f : files) {
        std::error_code ec;
        const auto bytes = std::filesystem::file_size(f, ec);
        if (ec) return fail(Errc::io, fmt::format("size of {}: {}", f.string(), ec.message()));
        manifest.files.push_back(PublishedFile{f.filename().string(), mime_for(f), static_cast<std::uint64_t>(bytes)});
    }
    const auto manifest_file = out_dir / "manifest.json";
    if (auto w = write_manifest_json(manifest_file, manifest); !w) return w;
    files.push_back(manifest_file);
    return {};
}

Result<std::unique_ptr<LessonAudio>> LessonAudio::open(const std::filesystem::path& raw_dir, const LessonInput& input) {
    auto feeds = open_audio_feeds(raw_dir, input.info, input.timeline, input.opener);
    if (!feeds) return std::unexpected(feeds.error());
    return std::unique_ptr<LessonAudio>(new LessonAudio(input, std::move(*feeds)));
}

LessonAudio::LessonAudio(const LessonInput& input, std::vector<AudioFeed> feeds)
    : sample_pauses_(input.sample_pauses), feeds_(std::move(feeds)) {
    // Each packet counts at its own time: a consent change mutes or unmutes from that instant.
    for (const auto& feed : feeds_) {
        audible_.emplace_back([&timeline = input.timeline, pid = feed.participant](std::int64_t lesson_us) {
            return timeline.recordable_at(pid, lesson_us);
        });
    }
}

Result<std::vector<float>> LessonAudio::mix_to(std::int64_t lesson_end, bool keep) {
    std::vector<float> kept;
    while (mixer_.position() < lesson_end) {
        const std::int64_t step = keep ? lesson_end : std::min(lesson_end, mixer_.position() + k_mix_sample_rate);
        for (std::size_t k = 0; k < feeds_.size(); ++k) {
            if (auto fed = feeds_[k].feed(step, mixer_, audible_[k]); !fed) return std::unexpected(fed.error());
        }
        auto mixed = mixer_.take(step);
        if (keep) kept = std::move(mixed);
    }
    return kept;
}

Result<std::vector<float>> LessonAudio::next(std::int64_t max_samples) {
    for (;;) {
        const std::int64_t at = mixer_.position();
        if (auto pause = sample_pauses_.pause_at(at)) {
            if (auto dropped = mix_to(pause->to, false); !dropped) return std::unexpected(dropped.error());
            continue;
        }
        return mix_to(std::min(at + max_samples, sample_pauses_.next_pause_after(at)), true);
    }
}

std::uint64_t LessonAudio::muted_packets() const {
    std::uint64_t muted = 0;
    for (const auto& feed : feeds_) muted += feed.muted_packets;
    return muted;
}

} // namespace tafel::transcode
