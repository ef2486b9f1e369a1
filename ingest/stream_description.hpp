#pragma once
// How an imported capture's RTP streams are described when they cannot (or should not) be
// guessed: `--stream PORT=CODEC/CLOCK[/CHANNELS][:PT]` on the command line, or an SDP file
// (RFC 8866 5.14 m= lines with their RFC 8866 6.6 a=rtpmap attributes).
#include "core/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tafel::ingest {

struct StreamDescription {
    std::uint16_t port = 0;             // the UDP destination port in the capture
    std::string codec;                  // "VP8", "VP9", "H264", "opus"
    int clock_rate = 90000;
    int channels = 0;                   // audio only
    std::optional<int> payload_type;    // absent: any payload type on the port
    bool audio() const;
};

// "5004=VP8/90000", "5006=opus/48000/2:111". Errc::invalid_argument naming the text.
Result<StreamDescription> parse_stream_description(std::string_view text);

// Every m= line's payload types that have an rtpmap of a codec tafel reads; a media section
// whose codecs are all unknown is skipped. Errc::malformed_input naming the line when an
// m= or rtpmap line does not parse; Errc::not_found when no usable stream is described.
Result<std::vector<StreamDescription>> parse_sdp(std::string_view sdp);

} // namespace tafel::ingest
