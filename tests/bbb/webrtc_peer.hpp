#pragma once
// The SFU's media side in tests: a real WebRTC sender (GStreamer webrtcbin: ICE, DTLS-SRTP)
// that offers VP8 like mediasoup's recorder transport does (sendonly, BUNDLE, rtcp-mux, nack,
// nack pli, ccm fir) and sends a live test pattern once the answer is applied.
#include "offerer.hpp"

#include <memory>
#include <optional>
#include <string>

namespace tafel::bbb::test {

class WebrtcPeer final : public Offerer {
public:
    // Builds the pipeline and starts it; REQUIREs success. With `drop_one_in` > 0 every
    // n-th VP8 packet is dropped just before the sender's ICE transport (after its
    // retransmission buffer, so a NACK can still recover it): loss on the way; the offer
    // then also has nack and RTX.
    explicit WebrtcPeer(int drop_one_in = 0);
    ~WebrtcPeer() override;
    // The offer after ICE gathering completed (no trickle), or nullopt after 10 s.
    std::optional<std::string> offer() override;
    // Applies the recorder's answer; false when webrtcbin refuses it.
    bool apply_answer(const std::string& sdp) override;
    // VP8 packets dropped so far.
    int dropped() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

} // namespace tafel::bbb::test
