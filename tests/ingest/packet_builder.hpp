#pragma once
// Builds RTP/RTCP datagrams byte by byte for the tests (independent of the parsers).
#include <cstdint>
#include <vector>

namespace tafel::ingest::test {

struct RtpFields {
    bool marker = false;
    std::uint8_t payload_type = 96;
    std::uint16_t seq = 0;
    std::uint32_t timestamp = 0;
    std::uint32_t ssrc = 0x11223344;
    std::vector<std::uint32_t> csrcs;
    bool extension = false;
    std::uint16_t extension_profile = 0xBEDE;
    std::vector<std::uint8_t> extension_data;   // multiple of 4
    std::uint8_t padding = 0;                   // total padding bytes incl. the count
};

inline void put16(std::vector<std::uint8_t>& b, std::uint32_t v) {
    b.push_back(static_cast<std::uint8_t>(v >> 8));
    b.push_back(static_cast<std::uint8_t>(v));
}
inline void put32(std::vector<std::uint8_t>& b, std::uint32_t v) {
    put16(b, v >> 16);
    put16(b, v & 0xffff);
}

inline std::vector<std::uint8_t> rtp(const RtpFields& f, const std::vector<std::uint8_t>& payload) {
    std::vector<std::uint8_t> b;
    b.push_back(static_cast<std::uint8_t>(0x80 | (f.padding ? 0x20 : 0) | (f.extension ? 0x10 : 0) |
                                          f.csrcs.size()));
    b.push_back(static_cast<std::uint8_t>((f.marker ? 0x80 : 0) | f.payload_type));
    put16(b, f.seq);
    put32(b, f.timestamp);
    put32(b, f.ssrc);
    for (auto c : f.csrcs) put32(b, c);
    if (f.extension) {
        put16(b, f.extension_profile);
        put16(b, static_cast<std::uint32_t>(f.extension_data.size() / 4));
        b.insert(b.end(), f.extension_data.begin(), f.extension_data.end());
    }
    b.insert(b.end(), payload.begin(), payload.end());
    if (f.padding) {
        for (int i = 1; i < f.padding; ++i) b.push_back(0);
        b.push_back(f.padding);
    }
    return b;
}

// RFC 3550 6.4.1 SR without report blocks, then an SDES CNAME chunk (a typical compound).
inline std::vector<std::uint8_t> rtcp_sr(std::uint32_t ssrc, std::uint64_t ntp, std::uint32_t rtp_ts,
                                         bool with_sdes = true) {
    std::vector<std::uint8_t> b{0x80, 200};
    put16(b, 6);
    put32(b, ssrc);
    put32(b, static_cast<std::uint32_t>(ntp >> 32));
    put32(b, static_cast<std::uint32_t>(ntp));
    put32(b, rtp_ts);
    put32(b, 10);
    put32(b, 1000);
    if (with_sdes) {
        // SDES: one chunk, CNAME "tafel" (5 bytes): 4 + 2 + 5 + 1 (end) = 12 bytes → length 3.
        b.push_back(0x81);
        b.push_back(202);
        put16(b, 3);
        put32(b, ssrc);
        b.insert(b.end(), {1, 5, 't', 'a', 'f', 'e', 'l', 0});
    }
    return b;
}

} // namespace tafel::ingest::test
