#pragma once
// What the SFU side of a test relays to the recorder: a WebRTC peer that makes the offer and
// takes the answer. Two real ones: GStreamer webrtcbin (webrtc_peer.hpp) and headless
// Chromium (chromium_peer.hpp).
#include <optional>
#include <string>

namespace tafel::bbb::test {

class Offerer {
public:
    virtual ~Offerer() = default;
    // The offer after ICE gathering completed (no trickle), or nullopt after a bounded wait.
    virtual std::optional<std::string> offer() = 0;
    // Applies the recorder's answer; false when the peer refuses it.
    virtual bool apply_answer(const std::string& sdp) = 0;
};

} // namespace tafel::bbb::test
