#pragma once
// A parsed view of one RTP packet (RFC 3550 5.1). The view borrows the datagram's bytes: it
// is valid only as long as they are.
#include "core/error.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <span>

namespace tafel::ingest {

using Bytes = std::span<const std::uint8_t>;

// RFC 3550 5.3.1: a profile-defined 16-bit value and the extension's data (length × 4 bytes).
// RFC 8285 one-byte (0xBEDE) and two-byte (0x100x) elements are kept as these raw bytes.
struct RtpHeaderExtension {
    std::uint16_t profile = 0;
    Bytes data;
};

struct RtpPacket {
    std::uint8_t version = 2;
    bool padding = false;
    bool extension = false;
    std::uint8_t csrc_count = 0;
    bool marker = false;
    std::uint8_t payload_type = 0;
    std::uint16_t sequence_number = 0;
    std::uint32_t timestamp = 0;
    std::uint32_t ssrc = 0;
    std::array<std::uint32_t, 15> csrcs{};   // the first csrc_count are valid
    std::optional<RtpHeaderExtension> header_extension;
    std::size_t padding_size = 0;            // bytes removed from the end, including the count byte
    Bytes payload;                           // without header, CSRCs, extension and padding

    // Errc::malformed_input with the reason when the bytes are not a valid RTP packet.
    static Result<RtpPacket> parse(Bytes datagram);
};

// RFC 5761 4: with rtcp-mux, a datagram whose second byte is 192..223 (RTP payload types
// 64..95 with or without the marker bit) is RTCP. Also checks the version bits.
bool looks_like_rtcp(Bytes datagram) noexcept;

} // namespace tafel::ingest
