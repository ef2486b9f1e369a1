#include "mediasoup_offer.hpp"

#include <algorithm>

namespace tafel::bbb::test {

std::string mediasoup_offer(const OfferIce& ice) {
    std::string candidates;
    for (std::size_t at = 0; at < ice.candidates.size();) {
        const auto end = std::min(ice.candidates.find('\n', at), ice.candidates.size());
        candidates += "a=" + ice.candidates.substr(at, end - at) + "\r\n";
        at = end + 1;
    }
    return "v=0\r\n"
           "o=- 10000 2 IN IP4 127.0.0.1\r\n"
           "s=-\r\n"
           "t=0 0\r\n"
           "a=ice-lite\r\n"
           "a=fingerprint:sha-256 "
           "0C:3F:2D:8A:5B:1E:77:90:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11\r\n"
           "a=msid-semantic: WMS *\r\n"
           "a=group:BUNDLE 0\r\n"
           "m=video 7 UDP/TLS/RTP/SAVPF 96 97\r\n"
           "c=IN IP4 127.0.0.1\r\n"
           "a=rtpmap:96 VP8/90000\r\n"
           "a=rtcp-fb:96 goog-remb\r\n"
           "a=rtcp-fb:96 transport-cc\r\n"
           "a=rtcp-fb:96 ccm fir\r\n"
           "a=rtcp-fb:96 nack\r\n"
           "a=rtcp-fb:96 nack pli\r\n"
           "a=rtpmap:97 rtx/90000\r\n"
           "a=fmtp:97 apt=96\r\n"
           "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
           "a=extmap:4 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
           "a=extmap:5 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
           "a=setup:actpass\r\n"
           "a=mid:0\r\n"
           "a=msid:stream0 track0\r\n"
           "a=sendonly\r\n"
           "a=ice-ufrag:" +
           ice.ufrag +
           "\r\n"
           "a=ice-pwd:" +
           ice.pwd + "\r\n" + candidates +
           "a=end-of-candidates\r\n"
           "a=ice-options:renomination\r\n"
           "a=ssrc:11111111 cname:sfu\r\n"
           "a=ssrc:22222222 cname:sfu\r\n"
           "a=ssrc-group:FID 11111111 22222222\r\n"
           "a=rtcp-mux\r\n"
           "a=rtcp-rsize\r\n";
}

} // namespace tafel::bbb::test
