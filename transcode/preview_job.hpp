#pragma once
// The preview job (issue 6, progressive publishing): the light first half of a render. From
// one raw recording it writes what a pupil can use long before the video is encoded —
// lesson.opus.webm and lesson.m4a (the microphones mixed, paused spans cut, only
// participants recordable at the time audible: the render job's audio path and timeline,
// so the bytes match the render's audio-only files), chapters.vtt, chat.json (pseudonyms as
// in the render) and a manifest.json whose "parts" is ["audio"]. No frame is composed or
// encoded.
//
// Streaming: the same AAC packets that make lesson.m4a also make an HLS stream (RFC 8216,
// EVENT playlist, fMP4 segments of 6 s: audio/index.m3u8, audio/init.mp4,
// audio/seg-00000.m4s, …) written by libavformat's hls muxer. The folder to publish —
// manifest.json with "audio_stream": "audio/index.m3u8", chapters.vtt, chat.json, audio/ —
// is published as soon as the playlist lists its first segment, seconds after the job
// started whatever the lesson's length; the stream then grows inside the published folder
// (each file atomically, through the folder's descriptor: mux/output_directory.hpp) and gets
// #EXT-X-ENDLIST at the end, when lesson.m4a and lesson.opus.webm (written in a private
// work folder) are renamed in and the manifest is rewritten to list them.
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
    int stream_segments = 0; // HLS segments written
    // The published folder stopped being this preview's (the full render replaced it, or it
    // was taken away) or was never published (something was there first): the preview ended
    // early and wrote nothing more.
    bool superseded = false;
    std::vector<std::filesystem::path> files; // the files the final manifest lists
};

// How the preview's folder is published and watched (transcode/job_runner.cpp supplies it).
struct PreviewPublisher {
    // Called once, when the playlist first lists a segment (or at the end, for a lesson shorter
    // than a segment), with the folder to publish; true: published, false: superseded (not
    // published, the folder is removed), an error fails the job.
    std::function<Result<bool>(const std::filesystem::path& folder)> publish;
    // Asked before each later file is written into the published folder (cheap: a stat);
    // false: it is no longer this preview's (superseded).
    std::function<bool()> still_ours;
};

// Names of the stream inside the published folder (the player's contract, docs/architecture.md).
inline constexpr const char* k_audio_stream_dir = "audio";
inline constexpr const char* k_audio_stream_playlist = "audio/index.m3u8";

// `work_dir`: a fresh private work folder (lesson.* are encoded there); `publish_dir`: a fresh
// work folder that becomes the published one. Uses options.output's audio settings (webm →
// lesson.opus.webm, mp4 → lesson.m4a, bit rates, title) and options.open_track; the video
// settings are ignored. `progress` as in render_recording (false cancels with Errc::cancelled).
Result<PreviewSummary> render_preview(const std::filesystem::path& raw_dir, const std::filesystem::path& work_dir,
                                      const std::filesystem::path& publish_dir, const RenderOptions& options,
                                      std::function<bool(int permille)> progress, const PreviewPublisher& publisher);

// A published folder that is a preview which never finished (its worker crashed while
// streaming: the manifest names a stream but no lesson.* file yet). A retried preview
// replaces it; anything else published is left alone.
bool is_unfinished_preview(const std::filesystem::path& published_dir);

} // namespace tafel::transcode
