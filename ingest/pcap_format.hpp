#pragma once
// The constants of the classic pcap format as tafel writes it (docs/architecture.md, "Contract:
// the raw recording"): nanosecond magic, LINKTYPE_RAW, IPv4 + UDP synthesized per record.
// Format reference: draft-ietf-opsawg-pcap (the libpcap file format), sections 4 and 5.
#include <cstddef>
#include <cstdint>

namespace tafel::ingest::pcap {

inline constexpr std::uint32_t k_magic_ns = 0xa1b23c4d;   // nanosecond timestamps
inline constexpr std::uint32_t k_magic_us = 0xa1b2c3d4;   // microsecond timestamps (read only)
inline constexpr std::uint16_t k_version_major = 2;
inline constexpr std::uint16_t k_version_minor = 4;
inline constexpr std::uint32_t k_snaplen = 262144;
inline constexpr std::uint32_t k_linktype_raw = 101;       // LINKTYPE_RAW: starts at the IP header
inline constexpr std::size_t k_file_header = 24;
inline constexpr std::size_t k_record_header = 16;
inline constexpr std::size_t k_ipv4_header = 20;            // RFC 791, no options
inline constexpr std::size_t k_udp_header = 8;              // RFC 768
inline constexpr std::size_t k_max_datagram = 65535 - k_ipv4_header - k_udp_header;

} // namespace tafel::ingest::pcap
