#pragma once
// bbb-webrtc-sfu wraps every SDP as base64(JSON.stringify({type, sdp})) (startRecording's
// `sdp`, startRecordingResponse's `sdp`). Decoding is lenient: the JSON without base64 and
// a bare SDP are accepted too; encoding is exactly what the SFU produces.
#include "core/error.hpp"

#include <string>
#include <string_view>

namespace tafel::bbb {

struct SessionDescription {
    std::string type; // "offer" | "answer"
    std::string sdp;
};

std::string encode_sdp_envelope(const SessionDescription& description);
Result<SessionDescription> decode_sdp_envelope(std::string_view text);

std::string base64_encode(std::string_view bytes);
Result<std::string> base64_decode(std::string_view text);

} // namespace tafel::bbb
