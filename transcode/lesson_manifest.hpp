#pragma once
// The sidecars of a published lesson (docs/architecture.md, "Contract: the published
// recording"): chat.json and manifest.json.
#include "core/error.hpp"
#include "transcode/chat_panel.hpp"
#include "transcode/lesson_layout.hpp"

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace tafel::transcode {

struct PublishedFile {
    std::string name;  // "lesson.webm"
    std::string mime;  // "video/webm"
    std::uint64_t bytes = 0;
};

struct LessonManifest {
    std::string id;
    std::string title;
    std::string context;
    std::int64_t duration_ms = 0;
    std::int64_t started_utc_us = 0;
    std::vector<PublishedFile> files;
    LessonLayout layout; // written only when the video is part of it
    // Progressive publishing (issue 6): what of the lesson this folder holds, "audio" (the
    // audio-only files with chapters and chat: the preview job) and "video" (the render job).
    std::vector<std::string> parts{"audio", "video"};
    // The preview's growing HLS stream of the audio (issue 6): its playlist, relative to the
    // recording's folder ("audio/index.m3u8"); empty: none (the render's folder).
    std::string audio_stream;
};

// The MIME type tafel serves a published file with, from its extension.
std::string mime_for(const std::filesystem::path& file);

// Writes `[{"t_ms", "name", "text"}]` (lines as given; the timeline sorts them).
Result<void> write_chat_json(const std::filesystem::path& file, std::span<const ChatLine> lines);
Result<void> write_manifest_json(const std::filesystem::path& file, const LessonManifest& manifest);

} // namespace tafel::transcode
