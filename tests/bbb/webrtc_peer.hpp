#pragma once
// The SFU's media side in tests: a real WebRTC sender (GStreamer webrtcbin: ICE, DTLS-SRTP)
// that offers VP8 like mediasoup's recorder transport does (sendonly, BUNDLE, rtcp-mux, nack,
// nack pli, ccm fir) and sends a live test pattern once the answer is applied.
#include <memory>
#include <optional>
#include <string>

namespace tafel::bbb::test {

class WebrtcPeer {
public:
    WebrtcPeer();   // builds the pipeline and starts it; REQUIREs success
    ~WebrtcPeer();
    // The offer after ICE gathering completed (no trickle), or nullopt after 10 s.
    std::optional<std::string> offer();
    // Applies the recorder's answer; false when webrtcbin refuses it.
    bool apply_answer(const std::string& sdp);

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

} // namespace tafel::bbb::test
