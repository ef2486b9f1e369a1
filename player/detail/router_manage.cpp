// The owners' actions (issue 7, "Access"): publish, unpublish, rename, shorten the retention,
// delete, download. Only an owner's signed grant manages; the audit log (issue 9) records
// each action that changed something or handed out a recording.
#include "core/log.hpp"
#include "player/detail/json_api.hpp"
#include "player/detail/media_file.hpp"
#include "player/detail/router.hpp"
#include "storage/recording_deletion.hpp"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <filesystem>

namespace tafel::player::detail {

namespace {

constexpr const char* k_owner_actor = "player:owner";

Reply catalog_error(const Error& error) {
    log::get("player")->error("catalog: {}", error.describe());
    return json_reply(503, error_json("catalog unavailable"));
}

// RFC 6266 4.3 + RFC 8187: an ASCII fallback name and the UTF-8 name, percent-encoded.
std::string content_disposition(const std::string& title, const std::string& extension) {
    std::string ascii;
    std::string encoded;
    for (unsigned char c : title) {
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                           c == '_' || c == '.';
        ascii += plain ? static_cast<char>(c) : '_';
        encoded += plain ? std::string(1, static_cast<char>(c)) : fmt::format("%{:02X}", c);
    }
    if (ascii.empty()) ascii = encoded = "lesson";
    if (ascii.size() > 100) ascii.resize(100);
    return fmt::format("attachment; filename=\"{}{}\"; filename*=UTF-8''{}{}", ascii, extension, encoded, extension);
}

} // namespace

void Router::audit(const std::string& actor, const std::string& action, const std::string& id,
                   const std::string& details) {
    storage::AuditEntry entry;
    entry.actor = actor;
    entry.action = action;
    entry.recording_id = id;
    entry.details = details;
    Result<std::int64_t> ok;
    {
        std::lock_guard lock(catalog_mutex_);
        ok = catalog_.append_audit(entry);
    }
    if (!ok && ok.error().code != Errc::unsupported)
        log::get("player")->warn("recording {}: audit of {} failed: {}", id, action, ok.error().describe());
}

Result<void> Router::delete_everywhere(const std::string& id, const std::string& actor) {
    if (access_.delete_recording) return access_.delete_recording(id);
    // storage::delete_everywhere cancels the recording's jobs first (a running render must not
    // publish after the deletion), removes raw/, published/ and tmp/ folders, then the rows,
    // and audits the deletion under `actor` (docs/privacy.md).
    std::lock_guard lock(catalog_mutex_);
    auto done = storage::delete_everywhere(catalog_, layout_, storage::DeletionRequest{id, actor, "request"});
    if (!done) return std::unexpected(done.error());
    if (!done->existed) return fail(Errc::not_found, fmt::format("no recording '{}'", id));
    return {};
}

Reply Router::manage(const Request& request, const std::string& id, const std::string& action,
                     const Access& access) {
    if (!access.manage) return json_reply(403, error_json("managing a recording needs an owner's grant"));
    // The page's session cookie is SameSite=Strict; a JSON content type as well keeps plain
    // cross-site forms out (they cannot send it without a CORS preflight we never allow).
    if (!request.header("Content-Type").starts_with("application/json") && request.method == "POST")
        return json_reply(415, error_json("owner actions take Content-Type: application/json"));
    auto row = visible(id, /*owner=*/true);
    if (!row) return catalog_error(row.error());
    if (!*row) return json_reply(404, error_json(fmt::format("no recording '{}'", id)));
    const storage::RecordingRow& r = **row;

    if (action == "publish" || action == "unpublish") {
        const auto state =
            action == "publish" ? storage::RecordingState::published : storage::RecordingState::unpublished;
        if (r.state != state) {
            Result<void> ok;
            {
                std::lock_guard lock(catalog_mutex_);
                ok = catalog_.set_recording_state(id, state);
            }
            if (!ok) return catalog_error(ok.error());
            audit(k_owner_actor, action == "publish" ? "published" : "unpublished", id);
        }
        auto now = r;
        now.state = state;
        return json_reply(200, recording_json(now, true));
    }
    if (action == "delete") {
        if (auto ok = delete_everywhere(id, k_owner_actor); !ok && ok.error().code != Errc::not_found)
            return catalog_error(ok.error());
        return json_reply(200, R"({"deleted":true})");
    }
    if (action != "update") return json_reply(404, error_json(fmt::format("no action '{}'", action)));

    const auto body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded() || !body.is_object()) return json_reply(400, error_json("body is not a JSON object"));
    auto updated = r;
    if (body.contains("title")) {
        if (!body["title"].is_string()) return json_reply(400, error_json("'title' is not a string"));
        auto title = body["title"].get<std::string>();
        if (title.empty() || title.size() > 200)
            return json_reply(400, error_json("'title' must have 1..200 bytes"));
        if (title.find_first_of("\r\n") != std::string::npos)
            return json_reply(400, error_json("'title' must be one line"));
        updated.title = std::move(title);
    }
    std::optional<std::int64_t> delete_after;
    if (body.contains("delete_after_utc_us")) {
        if (!body["delete_after_utc_us"].is_number_integer())
            return json_reply(400, error_json("'delete_after_utc_us' is not an integer"));
        delete_after = body["delete_after_utc_us"].get<std::int64_t>();
        const std::int64_t now_us = access_.now() * 1'000'000;
        if (*delete_after < now_us) return json_reply(400, error_json("'delete_after_utc_us' is in the past"));
        // Issue 9: owners may shorten the retention, only admins extend it.
        if (r.delete_after_utc_us > 0 && *delete_after > r.delete_after_utc_us)
            return json_reply(403, error_json("owners may shorten the retention, not extend it"));
    }
    if (updated.title != r.title) {
        Result<void> ok;
        {
            std::lock_guard lock(catalog_mutex_);
            ok = catalog_.put_recording(updated);
        }
        if (!ok) return catalog_error(ok.error());
        // The audit log knows no "renamed" (issue 9 lists what it keeps); the title is
        // teacher-written text and stays out of it.
    }
    if (delete_after && *delete_after != r.delete_after_utc_us) {
        Result<void> ok;
        {
            std::lock_guard lock(catalog_mutex_);
            ok = catalog_.set_delete_after(id, *delete_after);
        }
        if (!ok) return catalog_error(ok.error());
        updated.delete_after_utc_us = *delete_after;
        audit(k_owner_actor, "shortened", id,
              fmt::format(R"({{"from_utc_us":{},"to_utc_us":{}}})", r.delete_after_utc_us, *delete_after));
    }
    return json_reply(200, recording_json(updated, true));
}

Reply Router::download(const Request& request, const std::string& id, const Access& access) {
    if (!access.owner) return text_reply(403, "only the recording's owners may download it");
    auto row = visible(id, access.manage);
    if (!row) return catalog_error(row.error());
    if (!*row) return text_reply(404, fmt::format("no recording '{}'", id));
    const auto dir = layout_.published_dir(id);
    std::error_code ec;
    const bool mp4 = std::filesystem::is_regular_file(dir / "lesson.mp4", ec);
    const std::string name = mp4 ? "lesson.mp4" : "lesson.webm";
    Reply reply = serve_file(request, dir / name, mp4 ? "video/mp4" : "video/webm");
    if (reply.status == 200 || reply.status == 206)
        reply.set("Content-Disposition", content_disposition((*row)->title, mp4 ? ".mp4" : ".webm"));
    // One audit entry per download, not per range request of a resumed one.
    if (reply.status == 200 && request.method == "GET")
        audit(access.manage ? k_owner_actor : "player:open", "downloaded", id);
    return reply;
}

} // namespace tafel::player::detail
