#include "tests/support/rtp_packets.hpp"

#include <algorithm>

namespace tafel::test {

void put16(std::vector<std::uint8_t>& b, std::uint16_t v) {
    b.push_back(static_cast<std::uint8_t>(v >> 8));
    b.push_back(static_cast<std::uint8_t>(v));
}

void put32(std::vector<std::uint8_t>& b, std::uint32_t v) {
    put16(b, static_cast<std::uint16_t>(v >> 16));
    put16(b, static_cast<std::uint16_t>(v));
}

std::vector<std::uint8_t> RtpPacketWriter::packet(std::uint32_t timestamp, bool marker,
                                                  std::span<const std::uint8_t> prefix,
                                                  std::span<const std::uint8_t> payload) {
    std::vector<std::uint8_t> b{0x80, static_cast<std::uint8_t>((marker ? 0x80 : 0) | payload_type_)};
    put16(b, seq_++);
    put32(b, timestamp);
    put32(b, ssrc_);
    b.insert(b.end(), prefix.begin(), prefix.end());
    b.insert(b.end(), payload.begin(), payload.end());
    ++packets_;
    octets_ += static_cast<std::uint32_t>(prefix.size() + payload.size());
    return b;
}

std::vector<std::uint8_t> RtpPacketWriter::sender_report(std::uint64_t ntp, std::uint32_t timestamp) const {
    std::vector<std::uint8_t> sr{0x80, 200}; // V=2, RC=0, PT=SR
    put16(sr, 6);                            // length in 32-bit words minus one
    put32(sr, ssrc_);
    put32(sr, static_cast<std::uint32_t>(ntp >> 32));
    put32(sr, static_cast<std::uint32_t>(ntp));
    put32(sr, timestamp);
    put32(sr, packets_);
    put32(sr, octets_);
    return sr;
}

std::vector<Vp8Fragment> vp8_fragments(std::span<const std::uint8_t> frame, std::size_t max_payload) {
    std::vector<Vp8Fragment> out;
    for (std::size_t off = 0; off < frame.size(); off += max_payload) {
        const std::size_t n = std::min(max_payload, frame.size() - off);
        out.push_back(
            {static_cast<std::uint8_t>(off == 0 ? 0x10 : 0x00), frame.subspan(off, n), off + n == frame.size()});
    }
    return out;
}

} // namespace tafel::test
