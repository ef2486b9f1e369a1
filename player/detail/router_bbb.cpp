// BigBlueButton's recordings calls on the catalog (docs.bigbluebutton.org, API reference,
// "Recording"). BBB answers every call with HTTP 200 and tells in <returncode> whether it
// worked; the message keys are BBB's own (missingParamRecordID, notFound, …).
#include "core/log.hpp"
#include "player/detail/bbb_api.hpp"
#include "player/detail/router.hpp"

#include <fmt/format.h>

#include <filesystem>

namespace tafel::player::detail {

namespace {

constexpr const char* k_bbb_actor = "bbb-api";

Reply bbb_internal(const Error& error) {
    log::get("player")->error("catalog: {}", error.describe());
    return xml_reply(bbb_failed("internalError", "catalog unavailable"));
}

} // namespace

Reply Router::bbb(const Request& request, const std::string& call, const std::string& query) {
    if (!bbb_checksum_ok(call, query, access_.secret))
        return xml_reply(bbb_failed("checksumError", "You did not pass the checksum security check"));
    const bool known = call == "getRecordings" || call == "publishRecordings" || call == "deleteRecordings" ||
                       call == "updateRecordings";
    if (!known) return xml_reply(bbb_failed("unsupportedRequest", "This call is not supported."));

    if (call == "getRecordings") {
        Result<std::vector<storage::RecordingRow>> rows;
        std::vector<BbbRecording> recordings;
        {
            std::lock_guard lock(catalog_mutex_);
            rows = catalog_.list_recordings();
            if (rows) {
                for (auto& row : *rows) {
                    auto meta = catalog_.recording_meta(row.id);
                    if (!meta && meta.error().code != Errc::unsupported) return bbb_internal(meta.error());
                    recordings.push_back({std::move(row), meta ? std::move(*meta) : std::map<std::string, std::string>{}});
                }
            }
        }
        if (!rows) return bbb_internal(rows.error());
        for (auto& rec : recordings) {
            std::error_code ec;
            rec.poster = std::filesystem::is_regular_file(layout_.published_dir(rec.row.id) / "poster.jpg", ec);
        }
        // Playback URLs are absolute for BBB clients: this server as the client reached it.
        std::string host(request.header("Host"));
        if (host.empty() || host.find_first_of(" /\\<>\"'") != std::string::npos) host = "localhost";
        const std::string scheme = request.header("X-Forwarded-Proto") == "https" ? "https" : "http";
        return xml_reply(bbb_get_recordings(recordings, query, scheme + "://" + host));
    }

    const auto ids = bbb_record_ids(query);
    if (ids.empty()) return xml_reply(bbb_failed("missingParamRecordID", "You must specify a recordID."));
    std::optional<storage::RecordingState> publish;
    if (call == "publishRecordings") {
        const std::string value = query_param(query, "publish");
        if (value != "true" && value != "false")
            return xml_reply(bbb_failed("missingParamPublish", "You must specify a publish value true or false."));
        publish = value == "true" ? storage::RecordingState::published : storage::RecordingState::unpublished;
    }
    const auto meta = bbb_meta_params(query);

    // Exact ids only (BBB matches these calls' recordIDs exactly); ids of recordings that
    // are not rendered yet are not found, as in BBB.
    std::size_t found = 0;
    for (const auto& id : ids) {
        Result<std::optional<storage::RecordingRow>> row;
        {
            std::lock_guard lock(catalog_mutex_);
            row = catalog_.recording(id);
        }
        if (!row) return bbb_internal(row.error());
        if (!*row) continue;
        const auto state = (*row)->state;
        const bool rendered = state == storage::RecordingState::published || state == storage::RecordingState::unpublished;
        if (call == "publishRecordings") {
            if (!rendered) continue;
            ++found;
            if (state == *publish) continue;
            Result<void> ok;
            {
                std::lock_guard lock(catalog_mutex_);
                ok = catalog_.set_recording_state(id, *publish);
            }
            if (!ok) return bbb_internal(ok.error());
            audit(k_bbb_actor, *publish == storage::RecordingState::published ? "published" : "unpublished", id);
        } else if (call == "deleteRecordings") {
            ++found;
            if (auto ok = delete_everywhere(id, k_bbb_actor); !ok && ok.error().code != Errc::not_found)
                return bbb_internal(ok.error());
        } else { // updateRecordings
            ++found;
            if (meta.empty()) continue;
            Result<void> ok;
            {
                std::lock_guard lock(catalog_mutex_);
                ok = catalog_.set_recording_meta(id, meta);
            }
            if (!ok) return bbb_internal(ok.error());
        }
    }
    if (found == 0) return xml_reply(bbb_failed("notFound", "We could not find recordings"));
    const char* element = call == "publishRecordings" ? "published" : call == "deleteRecordings" ? "deleted" : "updated";
    return xml_reply(bbb_success(element, call == "publishRecordings" ? *publish == storage::RecordingState::published
                                                                      : true));
}

} // namespace tafel::player::detail
