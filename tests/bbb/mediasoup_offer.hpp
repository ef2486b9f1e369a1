#pragma once
// What mediasoup (ICE-lite, DTLS actpass, BUNDLE, rtcp-mux) offers on the recorder path: one
// VP8 video section with RTX and the feedback issue 10 lists. Shared by the Redis protocol
// test (made-up ICE values) and the ICE-lite test (a real libnice lite agent's values).
#include <string>

namespace tafel::bbb::test {

struct OfferIce {
    std::string ufrag = "mediasoupufrag01";
    std::string pwd = "mediasouppassword0123456789";
    // Whole "candidate:..." attribute values, without "a=".
    std::string candidates = "candidate:udpcandidate 1 udp 1076302079 127.0.0.1 9 typ host";
};

std::string mediasoup_offer(const OfferIce& ice = {});

} // namespace tafel::bbb::test
