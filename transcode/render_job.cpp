#include "transcode/render_job.hpp"

#include "core/log.hpp"
#include "transcode/audio_mixer.hpp"
#include "transcode/compositor.hpp"
#include "transcode/file_track.hpp"
#include "transcode/lesson_chapters.hpp"
#include "transcode/lesson_layout.hpp"
#include "transcode/lesson_manifest.hpp"
#include "transcode/lesson_scene.hpp"
#include "transcode/lesson_sidecars.hpp"
#include "transcode/lesson_timeline.hpp"
#include "transcode/audio_feed.hpp"
#include "transcode/pause_map.hpp"
#include "transcode/slide_renderer.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <optional>

namespace tafel::transcode {

namespace {

I420View view_of(const I420Frame& f) {
    return I420View{f.y.data(), f.u.data(), f.v.data(), f.stride_y, f.stride_uv, f.stride_uv};
}

// The layout preset: the option, else recording.json's optional "layout" field, else default.
Result<LayoutPreset> choose_layout(const std::filesystem::path& raw_dir, const std::string& option) {
    std::string name = option;
    std::string source = "the layout option";
    if (name.empty()) {
        std::ifstream in(raw_dir / "recording.json");
        const auto j = nlohmann::json::parse(in, nullptr, false);
        if (!j.is_discarded() && j.is_object() && j.contains("layout") && j["layout"].is_string()) {
            name = j["layout"].get<std::string>();
            source = (raw_dir / "recording.json").string() + " field \"layout\"";
        }
    }
    if (name.empty()) return LayoutPreset::standard;
    auto preset = parse_layout_preset(name);
    if (!preset) {
        return fail(Errc::invalid_argument,
                    fmt::format("{}: unknown layout \"{}\" (default, no_webcams, webcams_only, screen_share)", source,
                                name));
    }
    return *preset;
}

Result<std::uint64_t> size_of(const std::filesystem::path& file) {
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(file, ec);
    if (ec) return fail(Errc::io, fmt::format("size of {}: {}", file.string(), ec.message()));
    return static_cast<std::uint64_t>(bytes);
}

// The raw recording's sidecars/ (docs/architecture.md, "Contract: the raw recording"):
// files made beside the media, e.g. an imported archive's captions and notes, published as
// they are. Only plain names; the renderer's own files are never replaced.
Result<std::vector<std::filesystem::path>> copy_sidecars(const std::filesystem::path& raw_dir,
                                                         const std::filesystem::path& out_dir) {
    std::vector<std::filesystem::path> copied;
    const auto dir = raw_dir / "sidecars";
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) return copied;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        const bool plain = !name.empty() && name.front() != '.' && name.size() <= 128 &&
                           std::all_of(name.begin(), name.end(), [](unsigned char c) {
                               return std::isalnum(c) || c == '-' || c == '_' || c == '.';
                           });
        if (!plain || !entry.is_regular_file() || std::filesystem::exists(out_dir / name)) continue;
        std::filesystem::copy_file(entry.path(), out_dir / name, ec);
        if (ec)
            return fail(Errc::io,
                        fmt::format("copy {} to {}: {}", entry.path().string(), out_dir.string(), ec.message()));
        copied.push_back(out_dir / name);
    }
    if (ec) return fail(Errc::io, fmt::format("list {}: {}", dir.string(), ec.message()));
    std::sort(copied.begin(), copied.end());
    return copied;
}

} // namespace

Result<RenderSummary> render_recording(const std::filesystem::path& raw_dir, const std::filesystem::path& out_dir,
                                       const RenderOptions& options, std::function<bool(int permille)> progress) {
    auto logger = log::get("transcode");
    auto info = ingest::read_recording_info(raw_dir);
    if (!info) return std::unexpected(info.error());
    if (!info->stopped) {
        return fail(Errc::invalid_argument,
                    fmt::format("recording {}: recording.json has no stopped_utc_us (still recording?)", info->id));
    }
    const std::int64_t duration_us = info->stopped->utc_us - info->started.utc_us;
    if (duration_us <= 0) {
        return fail(Errc::malformed_input, fmt::format("recording {}: stopped_utc_us is not after started_utc_us",
                                                       info->id));
    }
    const OutputOptions& out = options.output;
    if (!out.frame_rate.valid()) {
        return fail(Errc::invalid_argument, fmt::format("frame rate {}/{} is not positive", out.frame_rate.num,
                                                        out.frame_rate.den));
    }
    if (out.audio_sample_rate != k_mix_sample_rate) {
        return fail(Errc::unsupported, fmt::format("audio sample rate {} (the mix runs at 48000)", out.audio_sample_rate));
    }
    auto events = ingest::read_events(raw_dir);
    if (!events) return std::unexpected(events.error());

    const TrackOpener opener = options.open_track ? options.open_track : TrackOpener(&open_recorded_track);
    const LessonTimeline timeline = LessonTimeline::build(raw_dir, *info, *events);
    auto preset = choose_layout(raw_dir, options.layout);
    if (!preset) return std::unexpected(preset.error());
    const LessonLayout layout = LessonLayout::for_size(out.width, out.height, *preset);
    auto compositor = Compositor::create(layout);
    if (!compositor) return std::unexpected(compositor.error());
    auto audio = open_audio_feeds(raw_dir, *info, timeline, opener);
    if (!audio) return std::unexpected(audio.error());

    std::error_code ec;
    std::filesystem::create_directories(out_dir, ec);
    if (ec) return fail(Errc::io, fmt::format("create {}: {}", out_dir.string(), ec.message()));
    // Paused spans are cut from every output: output frame i shows lesson time
    // pauses.to_lesson(i / frame_rate), and the audio skips the same spans sample-exactly.
    const PauseMap pauses = PauseMap::from_events(*info, *events, duration_us);
    // Chapters are known before the first frame: they go into the containers' headers too.
    const auto cues = chapter_cues(timeline, pauses);
    const std::int64_t output_ms = pauses.output_duration() / 1000;
    OutputOptions output_options = out;
    if (output_options.title.empty()) output_options.title = info->meeting.name;
    output_options.chapters = container_chapters(cues, output_ms);
    auto output = OutputSet::create(out_dir, output_options);
    if (!output) return std::unexpected(output.error());
    const PauseMap sample_pauses = pauses.rescaled(k_timebase_us, k_timebase_48khz);
    const std::int64_t output_us = pauses.output_duration();
    // Frame i is presented at i / frame_rate; the last frame starts before the end.
    const Rational frame_tb{out.frame_rate.den, out.frame_rate.num};
    const std::int64_t frame_count = rescale(output_us, k_timebase_us, frame_tb, Rounding::up);
    const std::int64_t total_samples = sample_pauses.output_duration();

    RenderSummary summary;
    summary.duration_ms = output_us / 1000;
    summary.paused_ms = pauses.paused() / 1000;

    summary.audio_tracks = static_cast<int>(audio->size());
    summary.chat_lines = static_cast<int>(timeline.chat().size());
    summary.layout = to_string(*preset);
    // Chat times as the viewer sees them (output time); a line sent during a pause counts
    // from the resume.
    std::vector<ChatLine> chat = timeline.chat();
    for (auto& line : chat) line.t_ms = pauses.to_output(line.t_ms * 1000) / 1000;

    auto created = LessonScene::create(raw_dir, *info, timeline, opener, options.decoder_threads, *compositor, chat);
    if (!created) return std::unexpected(created.error());
    LessonScene& scene = **created;
    summary.webcam = scene.video_tracks() > 0;
    AudioMixer mixer;
    ThumbnailSheet thumbnails;
    // The poster: the frame 5 s into the lesson (past the first slide's fade-in of
    // attention), or the middle of a shorter one.
    const std::int64_t poster_ms = std::min<std::int64_t>(5000, summary.duration_ms / 2);
    std::optional<ArgbImage> poster;
    int last_permille = -1;
    std::int64_t samples_out = 0;

    // Each packet counts at its own time: a consent change mutes or unmutes from that instant.
    std::vector<std::function<bool(std::int64_t)>> audible;
    for (const auto& feed : *audio) {
        audible.emplace_back([&timeline, pid = feed.participant](std::int64_t lesson_us) {
            return timeline.recordable_at(pid, lesson_us);
        });
    }

    // Mixes lesson audio up to `lesson_end` (48 kHz ticks): returned for output, or dropped
    // in steps of a second (a long pause costs no memory).
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

    for (std::int64_t i = 0; i < frame_count; ++i) {
        const std::int64_t out_us = rescale(i, frame_tb, k_timebase_us, Rounding::up);
        const std::int64_t t_us = pauses.to_lesson(out_us);
        auto scene_change = scene.update(t_us);
        if (!scene_change) return std::unexpected(scene_change.error());
        auto frame = compositor->frame();
        if (!frame) return std::unexpected(frame.error());
        const std::span<const Rect> changed = compositor->changed();
        if (auto written = (*output)->write_video(view_of(**frame), i, *scene_change && i > 0, changed); !written) {
            return std::unexpected(written.error());
        }
        ++summary.frames;
        if (thumbnails.wants(out_us / 1000) || (!poster && out_us / 1000 >= poster_ms)) {
            auto picture = compositor->picture();
            if (!picture) return std::unexpected(picture.error());
            if (thumbnails.wants(out_us / 1000)) thumbnails.add(**picture, out_us / 1000);
            if (!poster && out_us / 1000 >= poster_ms) poster = **picture;
        }

        const std::int64_t end_out = std::min(total_samples, rescale(i + 1, frame_tb, k_timebase_48khz));
        while (samples_out < end_out) {
            const std::int64_t at = mixer.position();
            if (auto pause = sample_pauses.pause_at(at)) {
                if (auto dropped = mix_to(pause->to, false); !dropped) return std::unexpected(dropped.error());
                continue;
            }
            const std::int64_t lesson_end = std::min(at + (end_out - samples_out), sample_pauses.next_pause_after(at));
            auto mixed = mix_to(lesson_end, true);
            if (!mixed) return std::unexpected(mixed.error());
            if (mixed->empty()) break;
            if (auto written = (*output)->write_audio(*mixed, samples_out); !written) {
                return std::unexpected(written.error());
            }
            samples_out += static_cast<std::int64_t>(mixed->size() / 2);
        }

        const int permille = static_cast<int>((i + 1) * 1000 / frame_count);
        if (permille != last_permille) {
            last_permille = permille;
            if (progress && !progress(std::min(permille, 999))) {
                return fail(Errc::cancelled, fmt::format("render of {} cancelled at frame {} of {}", info->id, i + 1,
                                                         frame_count));
            }
        }
    }
    if (auto finished = (*output)->finish(); !finished) return std::unexpected(finished.error());
    summary.audio_samples = samples_out;
    summary.compositions = compositor->compositions();
    summary.slide_changes = scene.slide_changes();
    summary.webcam_pictures = scene.pictures();
    for (const auto& feed : *audio) summary.muted_packets += feed.muted_packets;
    if (mixer.late_samples() > 0) {
        logger->info("recording {}: {} audio samples overlapped already mixed audio and were dropped", info->id,
                     mixer.late_samples());
    }

    const auto chat_file = out_dir / "chat.json";
    if (auto w = write_chat_json(chat_file, chat); !w) return std::unexpected(w.error());
    summary.files = (*output)->files();
    summary.files.push_back(chat_file);

    const auto chapters_file = out_dir / "chapters.vtt";
    if (auto w = write_chapters_vtt(chapters_file, cues, summary.duration_ms); !w) return std::unexpected(w.error());
    summary.files.push_back(chapters_file);
    summary.chapters = static_cast<int>(cues.size());
    auto thumbnail_files = thumbnails.write(out_dir, summary.duration_ms);
    if (!thumbnail_files) return std::unexpected(thumbnail_files.error());
    summary.files.insert(summary.files.end(), thumbnail_files->begin(), thumbnail_files->end());
    auto sidecar_files = copy_sidecars(raw_dir, out_dir);
    if (!sidecar_files) return std::unexpected(sidecar_files.error());
    summary.files.insert(summary.files.end(), sidecar_files->begin(), sidecar_files->end());
    summary.thumbnails = static_cast<int>(thumbnails.count());
    if (poster || summary.frames > 0) {
        const auto poster_file = out_dir / "poster.jpg";
        if (!poster) {
            auto picture = compositor->picture();
            if (!picture) return std::unexpected(picture.error());
            poster = **picture;
        }
        if (auto w = write_jpeg(poster_file, *poster); !w) return std::unexpected(w.error());
        summary.files.push_back(poster_file);
    }

    LessonManifest manifest;
    manifest.id = info->id;
    manifest.title = info->meeting.name;
    manifest.context = info->meeting.context;
    manifest.duration_ms = summary.duration_ms;
    manifest.started_utc_us = info->started.utc_us;
    manifest.layout = layout;
    for (const auto& f : summary.files) {
        auto bytes = size_of(f);
        if (!bytes) return std::unexpected(bytes.error());
        manifest.files.push_back(PublishedFile{f.filename().string(), mime_for(f), *bytes});
    }
    const auto manifest_file = out_dir / "manifest.json";
    if (auto w = write_manifest_json(manifest_file, manifest); !w) return std::unexpected(w.error());
    summary.files.push_back(manifest_file);
    if (progress) progress(1000);
    logger->info("recording {}: rendered {} frames ({} redrawn), {} audio tracks, {} slide changes, {} chat lines",
                 info->id, summary.frames, summary.compositions, summary.audio_tracks, summary.slide_changes,
                 summary.chat_lines);
    return summary;
}

} // namespace tafel::transcode
