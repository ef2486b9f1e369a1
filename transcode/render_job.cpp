#include "transcode/render_job.hpp"

#include "core/log.hpp"
#include "transcode/compositor.hpp"
#include "transcode/lesson_input.hpp"
#include "transcode/lesson_layout.hpp"
#include "transcode/lesson_scene.hpp"
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
    const OutputOptions& out = options.output;
    if (!out.frame_rate.valid()) {
        return fail(Errc::invalid_argument, fmt::format("frame rate {}/{} is not positive", out.frame_rate.num,
                                                        out.frame_rate.den));
    }
    // The input, its time mapping (paused spans are cut from every output: output frame i
    // shows lesson time pauses.to_lesson(i / frame_rate), and the audio skips the same spans
    // sample-exactly) and the audio: shared with the preview job.
    auto input = read_lesson_input(raw_dir, out_dir, options);
    if (!input) return std::unexpected(input.error());
    const LessonInput& in = **input;
    const ingest::RecordingInfo& info = in.info;
    auto preset = choose_layout(raw_dir, options.layout);
    if (!preset) return std::unexpected(preset.error());
    const LessonLayout layout = LessonLayout::for_size(out.width, out.height, *preset);
    auto compositor = Compositor::create(layout);
    if (!compositor) return std::unexpected(compositor.error());
    auto opened_audio = LessonAudio::open(raw_dir, in);
    if (!opened_audio) return std::unexpected(opened_audio.error());
    LessonAudio& audio = **opened_audio;

    auto output = OutputSet::create(out_dir, in.output);
    if (!output) return std::unexpected(output.error());
    const std::int64_t output_us = in.pauses.output_duration();
    // Frame i is presented at i / frame_rate; the last frame starts before the end.
    const Rational frame_tb{out.frame_rate.den, out.frame_rate.num};
    const std::int64_t frame_count = rescale(output_us, k_timebase_us, frame_tb, Rounding::up);
    const std::int64_t total_samples = in.sample_pauses.output_duration();

    RenderSummary summary;
    summary.duration_ms = output_us / 1000;
    summary.paused_ms = in.pauses.paused() / 1000;
    summary.audio_tracks = audio.tracks();
    summary.chat_lines = static_cast<int>(in.chat.size());
    summary.layout = to_string(*preset);

    auto created =
        LessonScene::create(raw_dir, info, in.timeline, in.opener, options.decoder_threads, *compositor, in.chat);
    if (!created) return std::unexpected(created.error());
    LessonScene& scene = **created;
    summary.webcam = scene.video_tracks() > 0;
    ThumbnailSheet thumbnails;
    // The poster: the frame 5 s into the lesson (past the first slide's fade-in of
    // attention), or the middle of a shorter one.
    const std::int64_t poster_ms = std::min<std::int64_t>(5000, summary.duration_ms / 2);
    std::optional<ArgbImage> poster;
    int last_permille = -1;
    std::int64_t samples_out = 0;

    for (std::int64_t i = 0; i < frame_count; ++i) {
        const std::int64_t out_us = rescale(i, frame_tb, k_timebase_us, Rounding::up);
        const std::int64_t t_us = in.pauses.to_lesson(out_us);
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
            auto mixed = audio.next(end_out - samples_out);
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
                return fail(Errc::cancelled,
                            fmt::format("render of {} cancelled at frame {} of {}", info.id, i + 1, frame_count));
            }
        }
    }
    if (auto finished = (*output)->finish(); !finished) return std::unexpected(finished.error());
    const OutputSet::Stats encoded = (*output)->stats();
    logger->info("recording {}: {} of {} frames still, {} changed blocks; {} frame buffers, {} of {} frames copied "
                 "whole, {} MB copied into them",
                 info.id, encoded.still_frames, encoded.frames, encoded.changed_blocks, encoded.frame_buffers,
                 encoded.full_copies, encoded.frames, encoded.copied_bytes / 1'000'000);
    summary.audio_samples = samples_out;
    summary.compositions = compositor->compositions();
    summary.slide_changes = scene.slide_changes();
    summary.webcam_pictures = scene.pictures();
    summary.muted_packets = audio.muted_packets();
    if (audio.late_samples() > 0) {
        logger->info("recording {}: {} audio samples overlapped already mixed audio and were dropped", info.id,
                     audio.late_samples());
    }

    summary.files = (*output)->files();
    if (auto w = write_chat_and_chapters(out_dir, in, summary.files); !w) return std::unexpected(w.error());
    summary.chapters = static_cast<int>(in.cues.size());
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
    manifest.layout = layout;
    if (auto w = write_lesson_manifest(out_dir, in, std::move(manifest), summary.files); !w)
        return std::unexpected(w.error());
    if (progress) progress(1000);
    logger->info("recording {}: rendered {} frames ({} redrawn), {} audio tracks, {} slide changes, {} chat lines",
                 info.id, summary.frames, summary.compositions, summary.audio_tracks, summary.slide_changes,
                 summary.chat_lines);
    return summary;
}

} // namespace tafel::transcode
