#pragma once
// SDP offer/answer for senders that describe their streams in SDP (issue 3): mediasoup's
// PlainTransport consumers, ffmpeg's `-f rtp` / `-sdp_file`, GStreamer's sdp. The offer's
// m= sections (RFC 8866 5.14) with their rtpmap, fmtp, rtcp-fb, rtcp-mux and ssrc attributes
// become streams; the answer (RFC 3264 6) names where to send each: c= the recorder's address
// and m= the port of the stream, recvonly, rtcp-mux when offered, else a=rtcp with the port
// RTCP goes to (RFC 3605). Sections the recorder cannot record are
// rejected with port 0, as RFC 3264 6 says.
#include "core/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tafel::ingest {

struct SdpMedia {
    std::string media;              // "audio", "video", "application", …
    std::string proto;              // "RTP/AVP", "RTP/AVPF", "UDP/TLS/RTP/SAVPF", …
    std::vector<int> formats;       // payload types of the m= line, in order of preference
    // The first format with an rtpmap of a codec the recorder takes (VP8, VP9, H264, opus);
    // absent: the section is rejected.
    std::optional<int> payload_type;
    std::string codec;              // "VP8", "VP9", "H264", "opus"
    int clock_rate = 0;
    int channels = 0;
    std::string fmtp;               // a=fmtp:<pt> parameters, verbatim
    std::optional<std::uint32_t> ssrc;   // the first a=ssrc (RFC 5576 4.1)
    bool rtcp_mux = false;          // a=rtcp-mux (RFC 5761 5.1.1)
    bool fir = false;               // a=rtcp-fb:<pt>|* ccm fir (RFC 5104 7.1)
    std::string mid;                // a=mid (RFC 5888), echoed in the answer
};

// Errc::malformed_input naming the line when an m=, rtpmap or ssrc line does not parse;
// Errc::invalid_argument when the offer has no m= line.
Result<std::vector<SdpMedia>> parse_sdp_offer(std::string_view sdp);

// One answered section: the port the stream was given (0: rejected).
struct SdpAnswerMedia {
    const SdpMedia* offer = nullptr;
    std::uint16_t port = 0;
    std::uint16_t rtcp_port = 0; // without rtcp-mux: answered as a=rtcp (RFC 3605 2.1)
};

// RFC 3264 6 answer, lines ending in CRLF (RFC 8866 5).
std::string build_sdp_answer(const std::string& address, const std::string& session_id,
                             const std::vector<SdpAnswerMedia>& media);

} // namespace tafel::ingest
