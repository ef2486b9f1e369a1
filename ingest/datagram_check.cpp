#include "ingest/datagram_check.hpp"

#include "ingest/byte_order.hpp"
#include "ingest/rtcp_packet.hpp"

namespace tafel::ingest {

namespace {

constexpr std::size_t k_rtp_fixed_header = 12;        // RFC 3550 5.1
constexpr std::uint32_t k_stun_magic_cookie = 0x2112A442;   // RFC 8489 5
constexpr std::size_t k_stun_header = 20;

DatagramCheck drop(DropReason r) noexcept {
    DatagramCheck c;
    c.kind = DatagramCheck::Kind::drop;
    c.reason = r;
    return c;
}

DatagramCheck check_rtcp(Bytes d) noexcept {
    // RFC 3550 6.4.1: the length field counts 32-bit words minus one. A first header that
    // claims more than the datagram holds is a truncated packet; any other rejection of the
    // compound (RFC 3550 6.1 validity checks) is malformed.
    if (d.size() < 4) return drop(DropReason::truncated);
    const std::size_t first_length = (std::size_t{be::load16(&d[2])} + 1) * 4;
    if (first_length > d.size()) return drop(DropReason::truncated);
    try {
        if (!RtcpCompound::parse(d)) return drop(DropReason::malformed_rtcp);
    } catch (...) {   // the parser allocates; out of memory must not escape the data path
        return drop(DropReason::malformed_rtcp);
    }
    DatagramCheck c;
    c.kind = DatagramCheck::Kind::rtcp;
    return c;
}

DatagramCheck check_rtp(Bytes d) noexcept {
    if (d.size() < k_rtp_fixed_header) return drop(DropReason::truncated);
    const std::size_t csrc_count = d[0] & 0x0f;
    std::size_t offset = k_rtp_fixed_header + 4 * csrc_count;
    if (offset > d.size()) return drop(DropReason::csrc_overflow);
    if ((d[0] & 0x10) != 0) {
        // RFC 3550 5.3.1: 16-bit profile, 16-bit length in 32-bit words, then the data.
        if (offset + 4 > d.size()) return drop(DropReason::extension_overflow);
        const std::size_t length = 4 * std::size_t{be::load16(&d[offset + 2])};
        offset += 4 + length;
        if (offset > d.size()) return drop(DropReason::extension_overflow);
    }
    std::size_t end = d.size();
    if ((d[0] & 0x20) != 0) {
        // RFC 3550 5.1: the last octet counts the padding octets, itself included.
        const std::size_t count = d.back();
        if (count == 0 || count > end - offset) return drop(DropReason::padding_overflow);
        end -= count;
    }
    DatagramCheck c;
    c.kind = DatagramCheck::Kind::rtp;
    c.rtp.payload_type = d[1] & 0x7f;
    c.rtp.sequence_number = be::load16(&d[2]);
    c.rtp.timestamp = be::load32(&d[4]);
    c.rtp.ssrc = be::load32(&d[8]);
    c.rtp.payload_offset = offset;
    c.rtp.payload_size = end - offset;
    return c;
}

} // namespace

std::string_view to_string(DropReason r) noexcept {
    switch (r) {
    case DropReason::truncated: return "truncated";
    case DropReason::version: return "version";
    case DropReason::csrc_overflow: return "csrc_overflow";
    case DropReason::extension_overflow: return "extension_overflow";
    case DropReason::padding_overflow: return "padding_overflow";
    case DropReason::malformed_rtcp: return "malformed_rtcp";
    case DropReason::stun: return "stun";
    case DropReason::dtls: return "dtls";
    case DropReason::unknown: return "unknown";
    }
    return "unknown";
}

DatagramCheck check_datagram(Bytes d) noexcept {
    if (d.empty()) return drop(DropReason::truncated);
    const std::uint8_t first = d[0];
    // RFC 7983 7: the first byte decides; STUN also needs its magic cookie (RFC 8489 5), so
    // that stray bytes 0..3 are not mistaken for ICE traffic.
    if (first <= 3) {
        if (d.size() >= k_stun_header && be::load32(&d[4]) == k_stun_magic_cookie) return drop(DropReason::stun);
        return drop(DropReason::unknown);
    }
    if (first >= 20 && first <= 63) return drop(DropReason::dtls);
    if (first < 20) return drop(DropReason::unknown);
    if ((first >> 6) != 2) return drop(DropReason::version);   // 64..127 (v1) and 192..255 (v3)
    if (looks_like_rtcp(d)) return check_rtcp(d);
    return check_rtp(d);
}

} // namespace tafel::ingest
