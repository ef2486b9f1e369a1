#include "player/detail/router.hpp"

#include "core/ids.hpp"
#include "core/log.hpp"
#include "player/detail/access.hpp"
#include "player/detail/assets.hpp"
#include "player/detail/audio_stream.hpp"
#include "player/detail/bbb_api.hpp"
#include "player/detail/gzip.hpp"
#include "player/detail/json_api.hpp"
#include "player/detail/media_file.hpp"
#include "player/detail/pages.hpp"
#include "player/detail/published.hpp"
#include "player/detail/target.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace tafel::player::detail {

namespace {

// Everything the pages load comes from this server; scripts only from files (no inline
// code), no plugins, no <base> tricks, forms only to ourselves. Media may also come from a
// blob: URL: the audio stream's MSE loader (hls-audio.js) attaches its MediaSource through
// URL.createObjectURL (W3C Media Source Extensions 2.4.1), and CSP3 matches blob: only when
// named (its 'self' covers the page's own scheme).
constexpr const char* k_csp =
    "default-src 'self'; media-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'";

Reply unavailable(const Error& error) {
    log::get("player")->error("catalog: {}", error.describe());
    return text_reply(503, "catalog unavailable");
}

bool is_file(const std::filesystem::path& p) {
    std::error_code ec;
    return std::filesystem::is_regular_file(p, ec);
}

// The captions tracks captions.json names ([{"file", "locale", "label"}]); entries whose
// file is not a plain name or not there are left out (a missing track costs the page a
// failed request), and so is a captions.json that does not parse.
std::vector<CaptionSource> caption_sources(const std::filesystem::path& dir) {
    std::vector<CaptionSource> out;
    std::ifstream in(dir / "captions.json");
    if (!in) return out;
    const auto index = nlohmann::json::parse(in, nullptr, false);
    if (!index.is_array()) return out;
    for (const auto& entry : index) {
        if (!entry.is_object()) continue;
        const auto text = [&](const char* key) {
            const auto it = entry.find(key);
            return it != entry.end() && it->is_string() ? it->get<std::string>() : std::string();
        };
        CaptionSource c{text("file"), text("locale"), text("label")};
        if (!is_plain_file_name(c.file) || !is_file(dir / c.file) || c.lang.empty()) continue;
        if (c.label.empty()) c.label = c.lang;
        out.push_back(std::move(c));
    }
    return out;
}

// The manifest names the stream and its playlist is in place.
bool has_audio_stream(const std::filesystem::path& dir) {
    const auto manifest = read_manifest(dir);
    return manifest && manifest->audio_stream == k_stream_manifest_path &&
           is_file(dir / k_stream_dir / k_stream_playlist);
}

std::int64_t system_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Reply forbidden(const std::string& reason) {
    return text_reply(403, "signed access required: open this recording through your school portal (" +
                               reason + ")");
}

} // namespace

Router::Router(storage::Catalog& catalog, const storage::Layout& layout, AccessOptions access)
    : catalog_(catalog), layout_(layout), access_(std::move(access)) {
    if (!access_.now) access_.now = system_now;
}

Router::Access Router::access(const Request& request, const std::string& query, const std::string& id,
                              bool page) {
    if (access_.secret.empty()) {
        Access open;
        open.allowed = open.owner = true; // the demo: everyone may download, nobody manages
        return open;
    }
    const std::int64_t now = access_.now();
    auto grant = find_grant(request, query, id, access_.secret, now);
    if (!grant) {
        log::get("player")->debug("recording {}: access denied: {}", id, grant.error().message);
        Access denied;
        denied.reason = grant.error().message;
        return denied;
    }
    Access a;
    a.allowed = true;
    a.owner = a.manage = grant->role == Role::owner;
    // A page opened with the portal's token starts a session, so that the media and chat
    // requests the page makes carry the grant without the token in every URL.
    if (page && query.find("token=") != std::string::npos)
        a.set_cookie = session_set_cookie(sign_token(*grant, access_.secret), *grant, now);
    return a;
}

Reply Router::handle(const Request& request) {
    Reply reply = route(request);
    if (request.method == "HEAD") reply.head_only = true;
    maybe_gzip(request, reply);
    reply.set("Content-Security-Policy", k_csp);
    reply.set("X-Content-Type-Options", "nosniff");
    // Recording ids in URLs must not leak to other sites through the Referer header.
    reply.set("Referrer-Policy", "no-referrer");
    return reply;
}

Reply Router::route(const Request& request) {
    const bool read = request.method == "GET" || request.method == "HEAD";
    const bool write = request.method == "POST" || request.method == "DELETE";
    if (!read && !write) {
        Reply reply = text_reply(405, fmt::format("method {} not allowed", request.method));
        reply.set("Allow", "GET, HEAD, POST, DELETE");
        return reply;
    }
    auto target = parse_target(request.target);
    if (!target) return text_reply(400, "bad request target: " + target.error().message);
    const auto& s = target->segments;
    const auto only_reads = [&] {
        Reply reply = text_reply(405, fmt::format("method {} not allowed here", request.method));
        reply.set("Allow", "GET, HEAD");
        return reply;
    };

    const Lang lang = lang_from_query(target->query);
    const bool open = access_.secret.empty();
    // Owners' actions: POST /api/v1/recordings/<id>/<action> (a Bearer token),
    // DELETE /api/v1/recordings/<id>, and POST /r/<id>/manage/<action> for the page (its
    // session cookie is scoped to /r/<id>).
    if (write) {
        std::string id;
        std::string action;
        const bool api = s.size() >= 4 && s[0] == "api" && s[1] == "v1" && s[2] == "recordings";
        if (api && s.size() == 5 && request.method == "POST") id = s[3], action = s[4];
        else if (api && s.size() == 4 && request.method == "DELETE") id = s[3], action = "delete";
        else if (s.size() == 4 && s[0] == "r" && s[2] == "manage" && request.method == "POST") id = s[1], action = s[3];
        else return only_reads();
        if (!is_safe_id(id)) return json_reply(400, error_json("invalid recording id"));
        const Access a = access(request, target->query, id, false);
        if (!a.allowed) return json_reply(403, error_json("signed access required: " + a.reason));
        return manage(request, id, action, a);
    }

    if (s.empty()) return open ? home(lang) : forbidden("no list without a grant");
    if (s.size() == 1 && s[0] == "healthz") return text_reply(200, "ok");
    if (s.size() == 1 && s[0] == "metrics") return metrics_page();
    if (s[0] == "r" && s.size() >= 2) {
        if (!is_safe_id(s[1])) return text_reply(400, "invalid recording id");
        const bool page = s.size() == 2;
        // The audio stream's files are one level deeper: /r/<id>/media/audio/<file>.
        const bool stream_file = s.size() == 5 && s[2] == "media" && s[3] == k_stream_dir;
        if (page || (s.size() == 4 && s[2] == "media") || (s.size() == 3 && s[2] == "download") || stream_file) {
            const Access a = access(request, target->query, s[1], page);
            if (!a.allowed) return forbidden(a.reason);
            if (page) return playback(s[1], lang, a);
            if (s.size() == 3) return download(request, s[1], a);
            if (stream_file) return stream(request, s[1], s[4], a);
            return media(request, s[1], s[3], a);
        }
    }
    if (s.size() >= 3 && s[0] == "api" && s[1] == "v1" && s[2] == "recordings") {
        if (s.size() == 3) return open ? api_list() : json_reply(403, error_json("signed access required"));
        if (s.size() == 4) {
            if (!is_safe_id(s[3])) return json_reply(400, error_json("invalid recording id"));
            const Access a = access(request, target->query, s[3], false);
            if (!a.allowed) return json_reply(403, error_json("signed access required: " + a.reason));
            return api_one(s[3], a);
        }
    }
    if (s.size() == 2 && s[0] == "assets") return asset(request, s[1]);
    if (s.size() >= 2 && s[0] == "bigbluebutton" && s[1] == "api") {
        if (s.size() == 2) return xml_reply("<response><returncode>SUCCESS</returncode><version>2.0</version></response>");
        if (s.size() == 3) return bbb(request, s[2], target->query);
    }
    return text_reply(404, "no such page");
}

bool Router::playable(const storage::RecordingRow& row) {
    // Rendered and published, or — progressive publishing (issue 6) — its audio-only part is
    // out while the video is still being encoded (or its render failed: the audio stays).
    if (row.state == storage::RecordingState::published) return true;
    const bool in_queue = row.state == storage::RecordingState::stopped ||
                          row.state == storage::RecordingState::processing ||
                          row.state == storage::RecordingState::failed;
    return in_queue && (row.ready_parts & storage::k_part_audio) != 0;
}

bool Router::expired(const storage::RecordingRow& row) const {
    return row.delete_after_utc_us > 0 && row.delete_after_utc_us <= access_.now() * 1'000'000;
}

Result<std::optional<storage::RecordingRow>> Router::visible(const std::string& id, bool owner) {
    Result<std::optional<storage::RecordingRow>> row;
    {
        std::lock_guard lock(catalog_mutex_);
        row = catalog_.recording(id);
    }
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::nullopt;
    const auto state = (*row)->state;
    const bool shown =
        owner ? playable(**row) || state == storage::RecordingState::unpublished : playable(**row) && !expired(**row);
    if (!shown) return std::nullopt;
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
        if (playable(row) && !expired(row) && is_safe_id(row.id) &&
            std::filesystem::is_directory(layout_.published_dir(row.id), ec))
            out.push_back(std::move(row));
    }
    return out;
}

Reply Router::home(Lang lang) {
    auto rows = visible_list();
    if (!rows) return unavailable(rows.error());
    return html_reply(render_list_page(*rows, lang));
}

Reply Router::playback(const std::string& id, Lang lang, const Access& access) {
    auto row = visible(id, access.manage);
    if (!row) return unavailable(row.error());
    if (!*row) return text_reply(404, fmt::format("no recording '{}'", id));
    const auto dir = layout_.published_dir(id);
    PlaybackSources sources;
    sources.mp4 = is_file(dir / "lesson.mp4");
    sources.webm = is_file(dir / "lesson.webm");
    // Progressive publishing: only the audio-only part is out yet (the preview job's).
    sources.m4a = is_file(dir / "lesson.m4a");
    sources.opus = is_file(dir / "lesson.opus.webm");
    // While the preview still encodes, only its growing HLS stream is there (lesson.m4a is
    // renamed in when the audio is complete; from then on the page plays the file).
    sources.stream = !sources.mp4 && !sources.webm && !sources.m4a && has_audio_stream(dir);
    sources.video_pending = !sources.mp4 && !sources.webm && (sources.m4a || sources.opus || sources.stream);
    if (!sources.mp4 && !sources.webm && !sources.video_pending)
        sources.mp4 = sources.webm = true; // let the player say why
    // Only what exists is linked: a missing sidecar would cost the page a failed request.
    sources.chapters = is_file(dir / "chapters.vtt");
    sources.captions = is_file(dir / "captions.vtt");
    sources.caption_tracks = caption_sources(dir);
    sources.notes = is_file(dir / "notes.txt");
    sources.download = access.owner;
    sources.manage = access.manage;
    sources.poster = is_file(dir / "poster.jpg");
    sources.thumbnails = is_file(dir / "thumbnails.vtt");
    Reply reply = html_reply(render_playback_page(**row, sources, lang));
    if (!access.set_cookie.empty()) reply.set("Set-Cookie", access.set_cookie);
    return reply;
}

Reply Router::media(const Request& request, const std::string& id, const std::string& name, const Access& access) {
    if (!is_plain_file_name(name)) return text_reply(400, "invalid file name");
    auto row = visible(id, access.manage);
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

Reply Router::api_one(const std::string& id, const Access& access) {
    auto row = visible(id, access.manage);
    if (!row) {
        log::get("player")->error("catalog: {}", row.error().describe());
        return json_reply(503, error_json("catalog unavailable"));
    }
    if (!*row) return json_reply(404, error_json(fmt::format("no recording '{}'", id)));
    return json_reply(200, recording_json(**row, access.manage));
}

Reply Router::metrics_page() {
    Result<std::vector<storage::RecordingRow>> rows;
    {
        std::lock_guard lock(catalog_mutex_);
        rows = catalog_.list_recordings();
    }
    std::map<storage::RecordingState, std::uint64_t> by_state;
    if (rows)
        for (const auto& r : *rows) ++by_state[r.state];
    else
        log::get("player")->warn("metrics: catalog: {}", rows.error().describe());
    Reply reply;
    reply.body = metrics_.render(by_state);
    // Prometheus text exposition format, version 0.0.4.
    reply.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    reply.set("Cache-Control", "no-store");
    return reply;
}

Reply Router::asset(const Request& request, const std::string& name) {
    const Asset* found = find_asset(name);
    if (!found) return text_reply(404, fmt::format("no asset '{}'", name));
    Reply reply;
    const std::string etag = asset_etag(*found);
    reply.set("ETag", etag);
    reply.set("Cache-Control", "public, max-age=300");
    // A cached gzip variant revalidates too (its ETag has the "-gzip" suffix).
    const auto inm = request.header("If-None-Match");
    if (etag_list_matches(inm, etag) || etag_list_matches(inm, gzip_etag(etag))) {
        reply.status = 304;
        return reply;
    }
    reply.set("Content-Type", asset_type(name));
    reply.body = std::string(found->bytes);
    return reply;
}

} // namespace tafel::player::detail
