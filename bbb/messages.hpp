#pragma once
// The messages of bbb-webrtc-recorder's Redis protocol, as bbb-webrtc-sfu speaks them: one
// flat JSON object per message, `"id"` names it, every other field top level. Inbound is
// parsed leniently (unknown fields ignored, ids given as numbers accepted, comments allowed);
// outbound is strict JSON with exactly the documented fields (docs/bbb.md).
#include "core/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace tafel::bbb {

struct StartRecording {
    std::string session_id;
    std::optional<std::string> file_name;
    std::optional<std::string> sdp;  // the envelope, still encoded; adapterOptions.mediasoup.sdp if `sdp` is absent
    std::string metadata_json = "{}"; // echoed verbatim in the response
};
struct StopRecording {
    std::string session_id;
};
struct GetRecorderStatus {};
struct GetRecordings {
    std::optional<std::string> request_id_json; // echoed as given (string or number)
};
struct UnknownMessage {
    std::string id;
};

using Inbound = std::variant<StartRecording, StopRecording, GetRecorderStatus, GetRecordings, UnknownMessage>;

// Fails only when the payload is not a JSON object with a string `id`, or a known message
// lacks `recordingSessionId`.
Result<Inbound> parse_inbound(std::string_view payload);

// --- outbound: each returns the JSON text to PUBLISH ---------------------------------------

struct StartRecordingResponse {
    std::string session_id;
    bool ok = false;
    std::string sdp_envelope;  // base64 answer; empty when failed
    std::string file_name;     // absolute path
    std::string metadata_json = "{}";
    std::string error;         // only when failed
};
std::string to_json(const StartRecordingResponse& m);

struct RtpStatusChanged {
    std::string session_id;
    bool flowing = false;
    std::int64_t timestamp_utc_us = 0; // wall clock, rendered as RFC 3339
    std::int64_t timestamp_hr_ms = 0;  // media time of the recording
};
std::string to_json(const RtpStatusChanged& m);

struct RecordingStopped {
    std::string session_id;
    std::string reason; // stopped | failed | closed | application_shutdown
    std::int64_t timestamp_utc_us = 0;
    std::int64_t timestamp_hr_ms = 0; // omitted when 0
};
std::string to_json(const RecordingStopped& m);

struct RecorderStatus {
    std::string app_version;
    std::string instance_id;
    std::int64_t timestamp_unix_ms = 0;
};
std::string to_json(const RecorderStatus& m);

struct ActiveRecording {
    std::string session_id;
    std::string file_name;
};
struct GetRecordingsResponse {
    std::optional<std::string> request_id_json;
    std::vector<ActiveRecording> recordings;
};
std::string to_json(const GetRecordingsResponse& m);

// RFC 3339 in UTC with milliseconds: "2026-11-27T01:02:03.456Z".
std::string rfc3339_utc(std::int64_t utc_us);

} // namespace tafel::bbb
