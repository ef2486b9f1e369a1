#pragma once
// The growing HLS audio stream of a recording's audio-only part (issue 6, docs/architecture.md
// "Contract: the published recording"): while the preview job encodes, the published folder
// holds audio/index.m3u8 (an EVENT playlist, RFC 8216 4.3.3.5, that grows until
// #EXT-X-ENDLIST), audio/init.mp4 (the fMP4 initialization section, RFC 8216 3.3) and
// audio/seg-NNNNN.m4s. Only these names are ever served from that folder.
#include <string>
#include <string_view>

namespace tafel::player::detail {

// The subfolder of a published recording that holds the stream, and the playlist's path
// relative to the recording's folder as manifest.json's "audio_stream" names it.
inline constexpr std::string_view k_stream_dir = "audio";
inline constexpr std::string_view k_stream_playlist = "index.m3u8";
inline constexpr std::string_view k_stream_manifest_path = "audio/index.m3u8";

// index.m3u8, init.mp4 or seg-<5 to 9 digits>.m4s (libavformat's "seg-%05d.m4s" naming); nothing
// else, so no other file of that folder (a ".tmp" being written, a stray name) is reachable.
bool is_stream_file_name(std::string_view name) noexcept;

// application/vnd.apple.mpegurl for the playlist (RFC 8216 4), audio/mp4 for the init
// section and the segments (AAC-LC in fragmented MP4, RFC 8216 3.3).
std::string stream_media_type(std::string_view name);

} // namespace tafel::player::detail
