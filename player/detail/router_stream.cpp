// /r/<id>/media/audio/<file>: the growing HLS audio stream of a recording whose audio-only
// part is published while its preview job still encodes (issue 6). Same access as every
// other media file (signed grant, visibility, retention); only the stream's own names are
// served, and only while the manifest announces the stream.
#include "core/log.hpp"
#include "player/detail/audio_stream.hpp"
#include "player/detail/media_file.hpp"
#include "player/detail/published.hpp"
#include "player/detail/router.hpp"

#include <fmt/format.h>

namespace tafel::player::detail {

Reply Router::stream(const Request& request, const std::string& id, const std::string& name, const Access& access) {
    if (!is_stream_file_name(name)) return text_reply(404, fmt::format("no stream file '{}'", name));
    auto row = visible(id, access.manage);
    if (!row) {
        log::get("player")->error("catalog: {}", row.error().describe());
        return text_reply(503, "catalog unavailable");
    }
    if (!*row) return text_reply(404, fmt::format("no recording '{}'", id));

    // Once the full render has replaced the folder (its manifest names no stream) the stream is
    // gone: 404, which tells the page to switch to the video.
    const auto dir = layout_.published_dir(id);
    const auto manifest = read_manifest(dir);
    if (!manifest || manifest->audio_stream != k_stream_manifest_path)
        return text_reply(404, fmt::format("recording '{}' has no audio stream", id));

    // The playlist grows (RFC 8216 6.2.1: segments are appended to an EVENT playlist), so no
    // cache may answer for it without asking: serve_file's "Cache-Control: private, no-cache"
    // (RFC 9111 5.2.2.4) with an ETag that changes with every rewrite (size and mtime).
    return serve_file_in(request, dir / k_stream_dir, name, stream_media_type(name));
}

} // namespace tafel::player::detail
