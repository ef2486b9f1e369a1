#pragma once
// Sorts one received datagram into RTP, RTCP or a drop reason, byte by byte and without
// allocating, before anything is written (issue 3, "Validation"). Demultiplexing follows
// RFC 7983 7 (first byte: 0-3 STUN, 20-63 DTLS, 128-191 RTP/RTCP); STUN is recognised by its
// magic cookie (RFC 8489 5); RTP lengths by RFC 3550 5.1 and 5.3.1; RTCP by RFC 3550 6.4.
#include "ingest/rtp_packet.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tafel::ingest {

enum class DropReason : std::uint8_t {
    truncated,            // empty, shorter than the fixed header, or an RTCP length beyond the datagram
    version,              // RTP/RTCP version bits are not 2
    csrc_overflow,        // CC × 4 bytes of CSRCs run beyond the datagram
    extension_overflow,   // the header extension runs beyond the datagram
    padding_overflow,     // padding count 0 or larger than the payload
    malformed_rtcp,       // a compound that RFC 3550 6.1 rejects (other than its length)
    stun,                 // RFC 8489 message (ICE consent, keep-alive)
    dtls,                 // RFC 7983 first byte 20..63
    unknown,              // none of the above (first byte 0..19 without a STUN cookie)
};
inline constexpr std::size_t k_drop_reasons = 9;
using DropCounts = std::array<std::uint64_t, k_drop_reasons>;

std::string_view to_string(DropReason r) noexcept;

// The fields of a valid RTP packet that the recorder's statistics need.
struct RtpHeaderFields {
    std::uint8_t payload_type = 0;
    std::uint16_t sequence_number = 0;
    std::uint32_t timestamp = 0;
    std::uint32_t ssrc = 0;
    std::size_t payload_offset = 0;   // first byte after the CSRCs and the extension
    std::size_t payload_size = 0;     // without padding
};

struct DatagramCheck {
    enum class Kind : std::uint8_t { rtp, rtcp, drop } kind = Kind::drop;
    DropReason reason = DropReason::unknown;   // when kind == drop
    RtpHeaderFields rtp;                       // when kind == rtp
};

DatagramCheck check_datagram(Bytes datagram) noexcept;

} // namespace tafel::ingest
