#include "transcode/preview_job.hpp"

#include "core/log.hpp"
#include "mux/container_writer.hpp"
#include "transcode/audio_encoder.hpp"
#include "transcode/audio_feed.hpp"
#include "transcode/audio_mixer.hpp"
#include "transcode/file_track.hpp"
#include "transcode/lesson_chapters.hpp"
#include "transcode/lesson_manifest.hpp"
#include "transcode/lesson_timeline.hpp"
#include "transcode/pause_map.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

namespace tafel::transcode {

namespace {

// One audio-only file: its encoder and its muxer, fed on the calling thread.
struct AudioOutput {
    std::unique_ptr<mux::ContainerWriter> writer;
    AudioEncoder encoder;
    PacketSink sink;

    static Result<std::unique_ptr<AudioOutput>> create(const std::filesystem::path& dir, bool webm,
                                                       const OutputOptions& options,
                                                       const std::vector<mux::ContainerChapter>& chapters) {
        const auto path = dir / (webm ? "lesson.opus.webm" : "lesson.m4a");
        // As in OutputSet: chapters in both (Matroska Chapters; MP4 chpl + chapter track), MP4
        // with moov first (faststart).
        auto writer = mux::ContainerWriter::create(path, {webm ? "webm" : "mp4", options.title, !webm, chapters});
        if (!writer) return std::unexpected(writer.error());
        auto encoder = AudioEncoder::create({.codec = webm ? AudioCodec::opus : AudioCodec::aac,
                                             .input_sample_rate = options.audio_sample_rate,
                                             .bit_rate = webm ? options.opus_bit_rate : options.aac_bit_rate,
                                             .global_header = (*writer)->needs_global_header()});
        if (!encoder) {
            Error e = encoder.error();
            e.message = fmt::format("{}: {}", path.string(), e.message);
            return std::unexpected(e);
        }
        auto stream = (*writer)->add_stream(encoder->parameters(), encoder->time_base());
        if (!stream) return std::unexpected(stream.error());
        if (auto header = (*writer)->write_header(); !header) return std::unexpected(header.error());
        auto out = std::make_unique<AudioOutput>(std::move(*writer), std::move(*encoder), PacketSink{});
        out->sink = [w = out->writer.get(), s = *stream](AVPacket& p) { return w->write(p, s); };
        return out;
    }
};

} // namespace

Result<PreviewSummary> render_preview(const std::filesystem::path& raw_dir, const std::filesystem::path& out_dir,
                                      const RenderOptions& options, std::function<bool(int permille)> progress) {
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
    const OutputOptions& out = options.output;
    if (out.audio_sample_rate != k_mix_sample_rate) {
        return fail(Errc::unsupported,
                    fmt::format("audio sample rate {} (the mix runs at 48000)", out.audio_sample_rate));
    }
    if (!out.webm && !out.mp4) {
        return fail(Errc::invalid_argument, fmt::format("preview of {}: neither webm nor mp4 requested", info->id));
    }
    auto events = ingest::read_events(raw_dir);
    if (!events) return std::unexpected(events.error());
    const TrackOpener opener = options.open_track ? options.open_track : TrackOpener(&open_recorded_track);
    const LessonTimeline timeline = LessonTimeline::build(raw_dir, *info, *events);
    auto audio = open_audio_feeds(raw_dir, *info, timeline, opener);
    if (!audio) return std::unexpected(audio.error());

    std::error_code ec;
    std::filesystem::create_directories(out_dir, ec);
    if (ec) return fail(Errc::io, fmt::format("create {}: {}", out_dir.string(), ec.message()));
    // The render job's time mapping: paused spans cut sample-exactly, chapters and chat in
    // output time.
    const PauseMap pauses = PauseMap::from_events(*info, *events, duration_us);
    const auto cues = chapter_cues(timeline, pauses);
    const std::int64_t output_ms = pauses.output_duration() / 1000;
    OutputOptions output_options = out;
    if (output_options.title.empty()) output_options.title = info->meeting.name;
    const auto chapters = container_chapters(cues, output_ms);

    std::vector<std::unique_ptr<AudioOutput>> outputs;
    for (const bool webm : {true, false}) {
        if (webm ? !out.webm : !out.mp4) continue;
        auto created = AudioOutput::create(out_dir, webm, output_options, chapters);
        if (!created) return std::unexpected(created.error());
        outputs.push_back(std::move(*created));
    }

    PreviewSummary summary;
    summary.duration_ms = output_ms;
    summary.audio_tracks = static_cast<int>(audio->size());
    const PauseMap sample_pauses = pauses.rescaled(k_timebase_us, k_timebase_48khz);
    const std::int64_t total_samples = sample_pauses.output_duration();

    // Each packet counts at its own time: a consent change mutes or unmutes from that instant.
    std::vector<std::function<bool(std::int64_t)>> audible;
    for (const auto& feed : *audio) {
        audible.emplace_back([&timeline, pid = feed.participant](std::int64_t lesson_us) {
            return timeline.recordable_at(pid, lesson_us);
        });
    }
    AudioMixer mixer;
    // Mixes lesson audio up to `lesson_end` (48 kHz ticks): returned for output, or dropped in
    // steps of a second (a long pause costs no memory) — as the render job does.
    const auto mix_to = [&](std::int64_t lesson_end, bool keep) -> Result<std::vector<float>> {
        std::vector<float> kept;
        while (mixer.position() < lesson_end) {
            const std::int64_t step = keep ? lesson_end : std::min(lesson_end, mixer.position() + k_mix_sample_rate);
            for (std::size_t k = 0; k < audio->size(); ++k) {
                if (auto fed = (*audio)[k].feed(step, mixer, audible[k]); !fed) return std::unexpected(fed.error());
            }
            auto mixed = mixer.take(step);
            if (keep) kept = std::move(mixed);
        }
        return kept;
    };

    std::int64_t samples_out = 0;
    int last_permille = -1;
    while (samples_out < total_samples) {
        const std::int64_t at = mixer.position();
        if (auto pause = sample_pauses.pause_at(at)) {
            if (auto dropped = mix_to(pause->to, false); !dropped) return std::unexpected(dropped.error());
            continue;
        }
        // One second at a time: bounded memory, and progress (heartbeats) every second of audio.
        const std::int64_t chunk = std::min<std::int64_t>(k_mix_sample_rate, total_samples - samples_out);
        const std::int64_t lesson_end = std::min(at + chunk, sample_pauses.next_pause_after(at));
        auto mixed = mix_to(lesson_end, true);
        if (!mixed) return std::unexpected(mixed.error());
        if (mixed->empty()) break;
        for (auto& o : outputs) {
            if (auto encoded = o->encoder.encode(*mixed, o->sink); !encoded) return std::unexpected(encoded.error());
        }
        samples_out += static_cast<std::int64_t>(mixed->size() / 2);
        const int permille = static_cast<int>(samples_out * 1000 / total_samples);
        if (permille != last_permille) {
            last_permille = permille;
            if (progress && !progress(std::min(permille, 999))) {
                return fail(Errc::cancelled, fmt::format("preview of {} cancelled at sample {} of {}", info->id,
                                                         samples_out, total_samples));
            }
        }
    }
    for (auto& o : outputs) {
        if (auto flushed = o->encoder.flush(o->sink); !flushed) return std::unexpected(flushed.error());
        if (auto finished = o->writer->finish(); !finished) return std::unexpected(finished.error());
        summary.files.push_back(o->writer->path());
    }
    summary.audio_samples = samples_out;

    // Chat times as the viewer sees them (output time); a line sent during a pause counts
    // from the resume.
    std::vector<ChatLine> chat = timeline.chat();
    for (auto& line : chat) line.t_ms = pauses.to_output(line.t_ms * 1000) / 1000;
    summary.chat_lines = static_cast<int>(chat.size());
    const auto chat_file = out_dir / "chat.json";
    if (auto w = write_chat_json(chat_file, chat); !w) return std::unexpected(w.error());
    summary.files.push_back(chat_file);
    const auto chapters_file = out_dir / "chapters.vtt";
    if (auto w = write_chapters_vtt(chapters_file, cues, summary.duration_ms); !w) return std::unexpected(w.error());
    summary.files.push_back(chapters_file);
    summary.chapters = static_cast<int>(cues.size());

    LessonManifest manifest;
    manifest.id = info->id;
    manifest.title = info->meeting.name;
    manifest.context = info->meeting.context;
    manifest.duration_ms = summary.duration_ms;
    manifest.started_utc_us = info->started.utc_us;
    manifest.parts = {"audio"};
    for (const auto& f : summary.files) {
        const auto bytes = std::filesystem::file_size(f, ec);
        if (ec) return fail(Errc::io, fmt::format("size of {}: {}", f.string(), ec.message()));
        manifest.files.push_back(PublishedFile{f.filename().string(), mime_for(f), static_cast<std::uint64_t>(bytes)});
    }
    const auto manifest_file = out_dir / "manifest.json";
    if (auto w = write_manifest_json(manifest_file, manifest); !w) return std::unexpected(w.error());
    summary.files.push_back(manifest_file);
    if (progress) progress(1000);
    log::get("transcode")
        ->info("recording {}: audio-only preview of {} ms, {} audio tracks, {} chapters, {} chat lines", info->id,
               summary.duration_ms, summary.audio_tracks, summary.chapters, summary.chat_lines);
    return summary;
}

} // namespace tafel::transcode
