#include "bbb/messages.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>

namespace tafel::bbb {

using nlohmann::json;

namespace {

// Lenient: a session id the SFU sends as a number is the same session as its decimal text.
std::optional<std::string> text_field(const json& object, const char* key) {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) return std::nullopt;
    if (it->is_string()) return it->get<std::string>();
    if (it->is_number_integer()) return std::to_string(it->get<std::int64_t>());
    return std::nullopt;
}

Result<std::string> session_of(const json& object, const std::string& id) {
    auto session = text_field(object, "recordingSessionId");
    if (!session || session->empty())
        return fail(Errc::malformed_input, fmt::format("{}: no recordingSessionId", id));
    return *session;
}

json metadata_of(const std::string& metadata_json) {
    auto parsed = json::parse(metadata_json, nullptr, false);
    return parsed.is_discarded() ? json::object() : parsed;
}

} // namespace

Result<Inbound> parse_inbound(std::string_view payload) {
    const auto object = json::parse(payload, nullptr, false, true);
    if (object.is_discarded() || !object.is_object()) return fail(Errc::malformed_input, "message is not a JSON object");
    const auto id = text_field(object, "id");
    if (!id) return fail(Errc::malformed_input, "message has no \"id\"");
    if (*id == "startRecording") {
        auto session = session_of(object, *id);
        if (!session) return std::unexpected(session.error());
        StartRecording m;
        m.session_id = *session;
        m.file_name = text_field(object, "fileName");
        m.sdp = text_field(object, "sdp");
        if (!m.sdp || m.sdp->empty()) {
            m.sdp.reset();
            const auto options = object.find("adapterOptions");
            if (options != object.end() && options->is_object()) {
                const auto mediasoup = options->find("mediasoup");
                if (mediasoup != options->end() && mediasoup->is_object()) m.sdp = text_field(*mediasoup, "sdp");
            }
        }
        if (const auto meta = object.find("metadata"); meta != object.end() && !meta->is_null())
            m.metadata_json = meta->dump();
        return m;
    }
    if (*id == "stopRecording") {
        auto session = session_of(object, *id);
        if (!session) return std::unexpected(session.error());
        return StopRecording{*session};
    }
    if (*id == "getRecorderStatus") return GetRecorderStatus{};
    if (*id == "getRecordings") {
        GetRecordings m;
        if (const auto r = object.find("requestId"); r != object.end() && !r->is_null()) m.request_id_json = r->dump();
        return m;
    }
    return UnknownMessage{*id};
}

std::string rfc3339_utc(std::int64_t utc_us) {
    const std::int64_t ms = utc_us / 1000;
    const std::int64_t whole = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    const auto tp = std::chrono::sys_seconds(std::chrono::seconds(whole));
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", tp, ms - whole * 1000);
}

// nlohmann::ordered_json keeps the documented field order, which makes the byte-for-byte
// envelope tests (and human diffing of Redis MONITOR output) stable.
std::string to_json(const StartRecordingResponse& m) {
    nlohmann::ordered_json j;
    j["id"] = "startRecordingResponse";
    j["recordingSessionId"] = m.session_id;
    j["status"] = m.ok ? "ok" : "failed";
    if (m.ok) j["sdp"] = m.sdp_envelope;
    j["fileName"] = m.file_name;
    j["metadata"] = metadata_of(m.metadata_json);
    if (!m.ok) j["error"] = m.error;
    return j.dump();
}

std::string to_json(const RtpStatusChanged& m) {
    nlohmann::ordered_json j;
    j["id"] = "recordingRtpStatusChanged";
    j["recordingSessionId"] = m.session_id;
    j["status"] = m.flowing ? "flowing" : "not_flowing";
    j["timestampUTC"] = rfc3339_utc(m.timestamp_utc_us);
    j["timestampHR"] = m.timestamp_hr_ms;
    return j.dump();
}

std::string to_json(const RecordingStopped& m) {
    nlohmann::ordered_json j;
    j["id"] = "recordingStopped";
    j["recordingSessionId"] = m.session_id;
    j["reason"] = m.reason;
    j["timestampUTC"] = rfc3339_utc(m.timestamp_utc_us);
    if (m.timestamp_hr_ms != 0) j["timestampHR"] = m.timestamp_hr_ms;
    return j.dump();
}

std::string to_json(const RecorderStatus& m) {
    nlohmann::ordered_json j;
    j["id"] = "recorderStatus";
    j["appVersion"] = m.app_version;
    j["instanceId"] = m.instance_id;
    j["timestamp"] = m.timestamp_unix_ms;
    return j.dump();
}

std::string to_json(const GetRecordingsResponse& m) {
    nlohmann::ordered_json j;
    j["id"] = "getRecordingsResponse";
    if (m.request_id_json) j["requestId"] = nlohmann::ordered_json::parse(*m.request_id_json, nullptr, false);
    auto list = nlohmann::ordered_json::array();
    for (const auto& r : m.recordings) {
        nlohmann::ordered_json item;
        item["recordingSessionId"] = r.session_id;
        item["fileName"] = r.file_name;
        list.push_back(std::move(item));
    }
    j["recordings"] = std::move(list);
    return j.dump();
}

} // namespace tafel::bbb
