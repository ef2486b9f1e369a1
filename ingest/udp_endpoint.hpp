#pragma once
// An IPv4 address and UDP port as they appear in a synthesized pcap record.
#include <array>
#include <cstdint>
#include <string>

namespace tafel::ingest {

struct UdpEndpoint {
    std::array<std::uint8_t, 4> ipv4{127, 0, 0, 1};
    std::uint16_t port = 0;

    friend bool operator==(const UdpEndpoint&, const UdpEndpoint&) = default;
    std::string to_string() const;   // "127.0.0.1:40000"
};

} // namespace tafel::ingest
