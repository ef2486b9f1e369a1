#include "ingest/rtcp_packet.hpp"

#include "ingest/byte_order.hpp"

#include <fmt/format.h>

namespace tafel::ingest {

namespace {

constexpr std::uint8_t k_sr = 200;
constexpr std::uint8_t k_rr = 201;
constexpr std::uint8_t k_sdes = 202;
constexpr std::uint8_t k_bye = 203;
constexpr std::size_t k_report_block = 24;

RtcpReportBlock parse_block(const std::uint8_t* p) {
    RtcpReportBlock b;
    b.ssrc = be::load32(p);
    b.fraction_lost = p[4];
    // 24-bit two's complement (RFC 3550 6.4.1 "cumulative number of packets lost").
    const std::uint32_t raw = be::load24(p + 5);
    b.cumulative_lost = (raw & 0x800000u) ? static_cast<std::int32_t>(raw) - 0x1000000
                                          : static_cast<std::int32_t>(raw);
    b.highest_sequence = be::load32(p + 8);
    b.jitter = be::load32(p + 12);
    b.last_sr = be::load32(p + 16);
    b.delay_since_last_sr = be::load32(p + 20);
    return b;
}

Result<std::vector<RtcpReportBlock>> parse_blocks(Bytes body, std::size_t count, const char* what) {
    if (body.size() < count * k_report_block) {
        return fail(Errc::malformed_input,
                    fmt::format("RTCP {} declares {} report blocks but has {} bytes for them", what, count,
                                body.size()));
    }
    std::vector<RtcpReportBlock> blocks;
    blocks.reserve(count);
    for (std::size_t i = 0; i < count; ++i) blocks.push_back(parse_block(&body[i * k_report_block]));
    return blocks;
}

Result<void> parse_sdes(Bytes body, std::size_t chunks, RtcpCompound& out) {
    // RFC 3550 6.5: each chunk = SSRC, items (type, length, text), a 0 type ends the list,
    // then padding to the next 32-bit boundary.
    std::size_t off = 0;
    for (std::size_t c = 0; c < chunks; ++c) {
        if (off + 4 > body.size()) return fail(Errc::malformed_input, "RTCP SDES chunk runs beyond the packet");
        const std::uint32_t ssrc = be::load32(&body[off]);
        off += 4;
        for (;;) {
            if (off >= body.size()) return fail(Errc::malformed_input, "RTCP SDES items lack their end marker");
            const std::uint8_t type = body[off];
            if (type == 0) {
                off = (off + 4) & ~std::size_t{3};   // the null item and padding to 32 bits
                break;
            }
            if (off + 2 > body.size()) return fail(Errc::malformed_input, "RTCP SDES item header runs beyond the packet");
            const std::size_t len = body[off + 1];
            if (off + 2 + len > body.size()) {
                return fail(Errc::malformed_input, fmt::format("RTCP SDES item of {} bytes runs beyond the packet", len));
            }
            if (type == 1) {   // CNAME
                out.cnames.push_back(RtcpCname{ssrc, std::string(reinterpret_cast<const char*>(&body[off + 2]), len)});
            }
            off += 2 + len;
        }
    }
    return {};
}

Result<void> parse_bye(Bytes body, std::size_t count, RtcpCompound& out) {
    if (body.size() < 4 * count) return fail(Errc::malformed_input, "RTCP BYE SSRC list runs beyond the packet");
    RtcpBye bye;
    for (std::size_t i = 0; i < count; ++i) bye.ssrcs.push_back(be::load32(&body[4 * i]));
    const std::size_t off = 4 * count;
    if (off < body.size()) {
        const std::size_t len = body[off];
        if (off + 1 + len > body.size()) return fail(Errc::malformed_input, "RTCP BYE reason runs beyond the packet");
        bye.reason.assign(reinterpret_cast<const char*>(&body[off + 1]), len);
    }
    out.byes.push_back(std::move(bye));
    return {};
}

} // namespace

Result<RtcpCompound> RtcpCompound::parse(Bytes d) {
    if (d.size() < 4) {
        return fail(Errc::malformed_input, fmt::format("RTCP datagram of {} bytes is shorter than a header", d.size()));
    }
    RtcpCompound out;
    std::size_t off = 0;
    while (off < d.size()) {
        if (d.size() - off < 4) {
            return fail(Errc::malformed_input, fmt::format("RTCP packet at offset {} has a truncated header", off));
        }
        const std::uint8_t* h = &d[off];
        if ((h[0] >> 6) != 2) {
            return fail(Errc::malformed_input, fmt::format("RTCP version at offset {} is {}, not 2", off, h[0] >> 6));
        }
        const bool padding = (h[0] & 0x20) != 0;
        const std::size_t count = h[0] & 0x1f;
        const std::uint8_t type = h[1];
        const std::size_t length = 4 * (std::size_t{be::load16(h + 2)} + 1);   // RFC 3550 6.4.1 "length"
        if (length > d.size() - off) {
            return fail(Errc::malformed_input,
                        fmt::format("RTCP packet type {} at offset {} claims {} bytes, {} remain", type, off,
                                    length, d.size() - off));
        }
        std::size_t body_end = length;
        if (padding) {
            // RFC 3550 6.4.1: only the last packet of a compound may be padded.
            if (off + length != d.size()) {
                return fail(Errc::malformed_input, "RTCP padding bit set on a packet that is not the last");
            }
            const std::size_t pad = h[length - 1];
            if (pad == 0 || pad > length - 4) {
                return fail(Errc::malformed_input, fmt::format("RTCP padding count {} is invalid", pad));
            }
            body_end -= pad;
        }
        const Bytes body = d.subspan(off + 4, body_end - 4);
        switch (type) {
        case k_sr: {
            if (body.size() < 24) return fail(Errc::malformed_input, "RTCP SR shorter than its sender info");
            RtcpSenderReport sr;
            sr.ssrc = be::load32(&body[0]);
            sr.ntp_timestamp = be::load64(&body[4]);
            sr.rtp_timestamp = be::load32(&body[12]);
            sr.packet_count = be::load32(&body[16]);
            sr.octet_count = be::load32(&body[20]);
            auto blocks = parse_blocks(body.subspan(24), count, "SR");
            if (!blocks) return std::unexpected(blocks.error());
            sr.reports = std::move(*blocks);
            out.sender_reports.push_back(std::move(sr));
            break;
        }
        case k_rr: {
            if (body.size() < 4) return fail(Errc::malformed_input, "RTCP RR shorter than its SSRC");
            RtcpReceiverReport rr;
            rr.ssrc = be::load32(&body[0]);
            auto blocks = parse_blocks(body.subspan(4), count, "RR");
            if (!blocks) return std::unexpected(blocks.error());
            rr.reports = std::move(*blocks);
            out.receiver_reports.push_back(std::move(rr));
            break;
        }
        case k_sdes:
            if (auto r = parse_sdes(body, count, out); !r) return std::unexpected(r.error());
            break;
        case k_bye:
            if (auto r = parse_bye(body, count, out); !r) return std::unexpected(r.error());
            break;
        default:
            ++out.other_packets;
            break;
        }
        off += length;
    }
    return out;
}

} // namespace tafel::ingest
