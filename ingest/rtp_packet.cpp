#include "ingest/rtp_packet.hpp"

#include "ingest/byte_order.hpp"

#include <fmt/format.h>

namespace tafel::ingest {

namespace {
constexpr std::size_t k_fixed_header = 12;   // RFC 3550 5.1
} // namespace

Result<RtpPacket> RtpPacket::parse(Bytes d) {
    if (d.size() < k_fixed_header) {
        return fail(Errc::malformed_input,
                    fmt::format("RTP packet of {} bytes is shorter than the 12-byte fixed header", d.size()));
    }
    RtpPacket p;
    p.version = d[0] >> 6;
    if (p.version != 2) {
        return fail(Errc::malformed_input, fmt::format("RTP version is {}, not 2", p.version));
    }
    p.padding = (d[0] & 0x20) != 0;
    p.extension = (d[0] & 0x10) != 0;
    p.csrc_count = d[0] & 0x0f;
    p.marker = (d[1] & 0x80) != 0;
    p.payload_type = d[1] & 0x7f;
    p.sequence_number = be::load16(&d[2]);
    p.timestamp = be::load32(&d[4]);
    p.ssrc = be::load32(&d[8]);

    std::size_t offset = k_fixed_header;
    if (d.size() < offset + 4u * p.csrc_count) {
        return fail(Errc::malformed_input,
                    fmt::format("RTP packet declares {} CSRCs but has only {} bytes", p.csrc_count, d.size()));
    }
    for (std::size_t i = 0; i < p.csrc_count; ++i, offset += 4) p.csrcs[i] = be::load32(&d[offset]);

    if (p.extension) {
        // RFC 3550 5.3.1: 16-bit profile, 16-bit length in 32-bit words, then the data.
        if (d.size() < offset + 4) {
            return fail(Errc::malformed_input, "RTP header extension header runs beyond the packet");
        }
        const std::uint16_t profile = be::load16(&d[offset]);
        const std::size_t length = 4u * be::load16(&d[offset + 2]);
        offset += 4;
        if (d.size() < offset + length) {
            return fail(Errc::malformed_input,
                        fmt::format("RTP header extension of {} bytes runs beyond the packet ({} bytes left)",
                                    length, d.size() - offset));
        }
        p.header_extension = RtpHeaderExtension{profile, d.subspan(offset, length)};
        offset += length;
    }

    std::size_t end = d.size();
    if (p.padding) {
        // RFC 3550 5.1: the last octet counts the padding octets, itself included.
        const std::size_t count = d.back();
        if (count == 0) return fail(Errc::malformed_input, "RTP padding count is 0");
        if (count > end - offset) {
            return fail(Errc::malformed_input,
                        fmt::format("RTP padding of {} bytes exceeds the {}-byte payload", count, end - offset));
        }
        p.padding_size = count;
        end -= count;
    }
    p.payload = d.subspan(offset, end - offset);
    return p;
}

bool looks_like_rtcp(Bytes d) noexcept {
    return d.size() >= 2 && (d[0] >> 6) == 2 && d[1] >= 192 && d[1] <= 223;
}

} // namespace tafel::ingest
