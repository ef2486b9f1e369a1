#include "player/detail/router.hpp"

#include "core/ids.hpp"
#include "core/log.hpp"
#include "player/detail/assets.hpp"
#include "player/detail/json_api.hpp"
#include "player/detail/media_file.hpp"
#include "player/detail/pages.hpp"
#include "player/detail/published.hpp"
#include "player/detail/target.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <system_error>

namespace tafel::player::detail {

namespace {

// Everything the pages load comes from this server; scripts only from files (no inline
// code), no plugins, no <base> tricks, forms only to ourselves.
constexpr const char* k_csp =
    "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'";

Reply html_reply(std::string html) {
    Reply reply;
    reply.body = std::move(html);
    reply.set("Content-Type", "text/html; charset=utf-8");
    reply.set("Cache-Control", "private, no-cache");
    return reply;
}

Reply json_reply(int status, std::string json) {
    Reply reply;
    reply.status = status;
    reply.body = std::move(json);
    reply.set("Content-Type", "application/json");
    reply.set("Cache-Control", "private, no-cache");
    return reply;
}

Reply unavailable(const Error& error) {
    log::get("player")->error("catalog: {}", error.describe());
    return text_reply(503, "catalog unavailable");
}

bool is_file(const std::filesystem::path& p) {
    std::error_code ec;
    return std::filesystem::is_regular_file(p, ec);
}

} // namespace

Reply Router::handle(const Request& request) {
    Reply reply = route(request);
    if (request.method == "HEAD") reply.head_only = true;
    reply.set("Content-Security-Policy", k_csp);
    reply.set("X-Content-Type-Options", "nosniff");
    // Recording ids in URLs must not leak to other sites through the Referer header.
    reply.set("Referrer-Policy", "no-referrer");
    return reply;
}

Reply Router::route(const Request& request) {
    if (request.method != "GET" && request.method != "HEAD") {
        Reply reply = text_reply(405, fmt::format("method {} not allowed", request.method));
        reply.set("Allow", "GET, HEAD");
        return reply;
    }
    auto target = parse_target(request.target);
    if (!target) return text_reply(400, "bad request target: " + target.error().message);
    const auto& s = target->segments;

    if (s.empty()) return home();
    if (s.size() == 1 && s[0] == "healthz") return text_reply(200, "ok");
    if (s[0] == "r" && s.size() >= 2) {
        if (!is_safe_id(s[1])) return text_reply(400, "invalid recording id");
        if (s.size() == 2) return playback(s[1]);
        if (s.size() == 4 && s[2] == "media") return media(request, s[1], s[3]);
    }
    if (s.size() >= 3 && s[0] == "api" && s[1] == "v1" && s[2] == "recordings") {
        if (s.size() == 3) return api_list();
        if (s.size() == 4) {
            if (!is_safe_id(s[3])) return json_reply(400, error_json("invalid recording id"));
            return api_one(s[3]);
        }
    }
    if (s.size() == 2 && s[0] == "assets") return asset(request, s[1]);
    return text_reply(404, "no such page");
}

Result<std::optional<storage::RecordingRow>> Router::visible(const std::string& id) {
    Result<std::optional<storage::RecordingRow>> row;
    {
        std::lock_guard lock(catalog_mutex_);
        row = catalog_.recording(id);
    }
    if (!row) return std::unexpected(row.error());
    if (!*row || (*row)->state != storage::RecordingState::published) return std::nullopt;
    std::error_code ec;
    if (!std::filesystem::is_directory(layout_.published_dir(id), ec)) return std::nullopt;
    return row;
}

Result<std::vector<storage::RecordingRow>> Router::visible_list() {
    Result<std::vector<storage::RecordingRow>> rows;
    {
        std::lock_guard lock(catalog_mutex_);
        rows = catalog_.list_recordings();
    }
    if (!rows) return std::unexpected(rows.error());
    std::vector<storage::RecordingRow> out;
    for (auto& row : *rows) {
        std::error_code ec;
        if (row.state == storage::RecordingState::published && is_safe_id(row.id) &&
            std::filesystem::is_directory(layout_.published_dir(row.id), ec))
            out.push_back(std::move(row));
    }
    return out;
}

Reply Router::home() {
    auto rows = visible_list();
    if (!rows) return unavailable(rows.error());
    return html_reply(render_list_page(*rows));
}

Reply Router::playback(const std::string& id) {
    auto row = visible(id);
    if (!row) return unavailable(row.error());
    if (!*row) return text_reply(404, fmt::format("no recording '{}'", id));
    const auto dir = layout_.published_dir(id);
    PlaybackSources sources{is_file(dir / "lesson.mp4"), is_file(dir / "lesson.webm")};
    if (!sources.mp4 && !sources.webm) sources = PlaybackSources{}; // let the player say why
    return html_reply(render_playback_page(**row, sources));
}

Reply Router::media(const Request& request, const std::string& id, const std::string& name) {
    if (!is_plain_file_name(name)) return text_reply(400, "invalid file name");
    auto row = visible(id);
    if (!row) return unavailable(row.error());
    if (!*row) return text_reply(404, fmt::format("no recording '{}'", id));

    const auto dir = layout_.published_dir(id);
    std::vector<ManifestFile> listed;
    std::string manifest_mime;
    if (auto manifest = read_manifest(dir)) {
        listed = std::move(manifest->files);
        for (const auto& f : listed)
            if (f.name == name) manifest_mime = f.mime;
    } else if (manifest.error().code != Errc::not_found) {
        log::get("player")->warn("recording {}: {}", id, manifest.error().describe());
    }
    if (!is_servable(name, listed))
        return text_reply(404, fmt::format("no file '{}' in recording '{}'", name, id));
    return serve_file(request, dir / name, media_type(name, manifest_mime));
}

Reply Router::api_list() {
    auto rows = visible_list();
    if (!rows) {
        log::get("player")->error("catalog: {}", rows.error().describe());
        return json_reply(503, error_json("catalog unavailable"));
    }
    return json_reply(200, recordings_json(*rows));
}

Reply Router::api_one(const std::string& id) {
    auto row = visible(id);
    if (!row) {
        log::get("player")->error("catalog: {}", row.error().describe());
        return json_reply(503, error_json("catalog unavailable"));
    }
    if (!*row) return json_reply(404, error_json(fmt::format("no recording '{}'", id)));
    return json_reply(200, recording_json(**row));
}

Reply Router::asset(const Request& request, const std::string& name) {
    const Asset* found = find_asset(name);
    if (!found) return text_reply(404, fmt::format("no asset '{}'", name));
    Reply reply;
    const std::string etag = asset_etag(*found);
    reply.set("ETag", etag);
    reply.set("Cache-Control", "public, max-age=300");
    if (etag_list_matches(request.header("If-None-Match"), etag)) {
        reply.status = 304;
        return reply;
    }
    reply.set("Content-Type", asset_type(name));
    reply.body = std::string(found->bytes);
    return reply;
}

} // namespace tafel::player::detail
