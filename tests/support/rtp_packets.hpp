#pragma once
// RTP as a sender writes it, for generators that packetize real encoder output: the fixed
// header (RFC 3550 5.1), sender reports (RFC 3550 6.4.1) and VP8's payload descriptor
// (RFC 7741 4.2). When packets are sent and when reports go out is the caller's schedule.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace tafel::test {

// Network byte order (RFC 3550 appendix: all fields are big-endian).
void put16(std::vector<std::uint8_t>& b, std::uint16_t v);
void put32(std::vector<std::uint8_t>& b, std::uint32_t v);

// One SSRC's packets: it numbers them and keeps the sender's packet and octet counts that its
// reports carry.
class RtpPacketWriter {
public:
    RtpPacketWriter(std::uint8_t payload_type, std::uint32_t ssrc, std::uint16_t first_seq)
        : payload_type_(payload_type), ssrc_(ssrc), seq_(first_seq) {}

    // The sequence number the next packet gets.
    std::uint16_t next_seq() const { return seq_; }

    // Version 2, no padding, extension or CSRCs; `prefix` (a payload descriptor) then `payload`.
    std::vector<std::uint8_t> packet(std::uint32_t timestamp, bool marker, std::span<const std::uint8_t> prefix,
                                     std::span<const std::uint8_t> payload);

    // A sender report without report blocks: `ntp` is the 64-bit NTP time (0 when the sender
    // stamps it as it sends), `timestamp` the RTP time of the same instant.
    std::vector<std::uint8_t> sender_report(std::uint64_t ntp, std::uint32_t timestamp) const;

private:
    std::uint8_t payload_type_;
    std::uint32_t ssrc_;
    std::uint16_t seq_;
    std::uint32_t packets_ = 0, octets_ = 0; // octets: payload only, descriptors included (6.4.1)
};

// One RTP payload of a VP8 frame.
struct Vp8Fragment {
    std::uint8_t descriptor = 0;           // RFC 7741 4.2: the one-byte form, S on the first, PID 0
    std::span<const std::uint8_t> payload; // a part of the frame
    bool last = false;                     // the packet to carry the marker bit
};

// `frame` cut into payloads of at most `max_payload` bytes, in order.
std::vector<Vp8Fragment> vp8_fragments(std::span<const std::uint8_t> frame, std::size_t max_payload);

} // namespace tafel::test
