#pragma once
// The preview job (issue 6, progressive publishing): the light first half of a render. From
// one raw recording it writes what a pupil can use long before the video is encoded —
// lesson.opus.webm and lesson.m4a (the microphones mixed, paused spans cut, only
// participants recordable at the time audible: the render job's audio path and timeline,
// so the bytes match the render's audio-only files), chapters.vtt, chat.json (pseudonyms as
// in the render) and a manifest.json whose "parts" is ["audio"]. No frame is composed or
// encoded, so it takes seconds where the render takes minutes.
#include "core/error.hpp"
#include "transcode/render_job.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <vector>

namespace tafel::transcode {

struct PreviewSummary {
    std::int64_t duration_ms = 0;   // the lesson minus its paused spans
    std::int64_t audio_samples = 0; // 48 kHz sample frames written
    int audio_tracks = 0;
    int chat_lines = 0;
    int chapters = 0;
    std::vector<std::filesystem::path> files; // everything written into out_dir
};

// Uses options.output's audio settings (webm → lesson.opus.webm, mp4 → lesson.m4a, bit
// rates, title) and options.open_track; the video settings are ignored. `progress` as in
// render_recording (false cancels with Errc::cancelled).
Result<PreviewSummary> render_preview(const std::filesystem::path& raw_dir, const std::filesystem::path& out_dir,
                                      const RenderOptions& options, std::function<bool(int permille)> progress);

} // namespace tafel::transcode
