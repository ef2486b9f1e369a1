#pragma once
// What the player reads of a published recording (docs/architecture.md, "Contract: the
// published recording"): manifest.json and the names of the files it may serve.
#include "core/error.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace tafel::player::detail {

struct ManifestFile {
    std::string name;
    std::string mime;
    std::uint64_t bytes = 0;
};

struct Manifest {
    std::string id;
    std::string title;
    std::string context;
    std::int64_t duration_ms = 0;
    std::int64_t started_utc_us = 0;
    std::vector<ManifestFile> files;
    // "audio_stream": the growing HLS audio stream's playlist relative to the folder
    // ("audio/index.m3u8") while the audio-only part is published (issue 6); empty otherwise.
    std::string audio_stream;
};

// Reads <dir>/manifest.json; Errc::not_found when absent, Errc::malformed_input naming the
// field when it does not parse. Entries of "files" whose name is not a plain file name are
// dropped (they could never be served).
Result<Manifest> read_manifest(const std::filesystem::path& dir);

// A plain file name the media route may open: [A-Za-z0-9._-], 1..128 characters, not
// starting with '.'.
bool is_plain_file_name(std::string_view name) noexcept;

// True for the names every published recording may have (manifest.json, lesson.webm,
// lesson.mp4, chat.json, chapters.vtt, captions.vtt, poster.jpg, thumbnails.vtt) and for the names the manifest lists.
bool is_servable(std::string_view name, const std::vector<ManifestFile>& listed);

// The Content-Type of a media file, from its extension; the manifest's mime only when the
// extension is unknown and it looks like a type ("a/b").
std::string media_type(std::string_view name, std::string_view manifest_mime = {});

} // namespace tafel::player::detail
