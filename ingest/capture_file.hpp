#pragma once
// Reads the UDP datagrams of a packet capture made by any tool (tcpdump, Wireshark,
// dumpcap, GStreamer tests): classic pcap (µs or ns, either byte order) and pcapng, over
// Ethernet (with VLAN tags), Linux cooked (SLL, SLL2), BSD loopback or raw IP, IPv4 and IPv6.
// It is the importer's input; the recorder's own files are read by PcapReader.
// Formats: draft-ietf-opsawg-pcap sections 4-5, draft-ietf-opsawg-pcapng sections 4.1-4.4.
#include "core/error.hpp"
#include "ingest/udp_endpoint.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <vector>

namespace tafel::ingest {

struct CapturedDatagram {
    std::int64_t wall_ns = 0;          // capture time, ns since 1970 (UTC)
    UdpEndpoint source;                // IPv6 addresses show as 0.0.0.0 (the port is kept)
    UdpEndpoint destination;
    bool ipv6 = false;
    std::vector<std::uint8_t> payload; // the UDP payload
};

class CaptureFile {
public:
    // Errc::not_found, Errc::malformed_input (not a pcap/pcapng file) naming the file.
    static Result<CaptureFile> open(const std::filesystem::path& path);

    // The next UDP datagram, std::nullopt at the end. Frames that are not UDP over IP (ARP,
    // TCP, IP fragments, unknown link types) are skipped and counted; a torn last block ends
    // the file. A block whose length is impossible is Errc::malformed_input with its offset.
    Result<std::optional<CapturedDatagram>> next();

    const std::filesystem::path& path() const { return path_; }
    std::uint64_t skipped() const { return skipped_; }

private:
    struct Interface {
        std::uint32_t linktype = 0;
        std::int64_t units_per_second = 1'000'000;   // pcapng if_tsresol, default µs
    };

    CaptureFile(std::filesystem::path path, std::unique_ptr<std::ifstream> in, bool pcapng);
    Result<std::optional<CapturedDatagram>> next_pcap();
    Result<std::optional<CapturedDatagram>> next_pcapng();
    std::uint32_t u32(const std::uint8_t* p) const;
    std::uint16_t u16(const std::uint8_t* p) const;
    void read_interface(const std::vector<std::uint8_t>& body);
    // Unwraps link, IP and UDP headers; false (counted) when the frame is not UDP.
    bool decode_frame(std::uint32_t linktype, const std::uint8_t* data, std::size_t size, CapturedDatagram& out);

    std::filesystem::path path_;
    std::unique_ptr<std::ifstream> in_;
    bool pcapng_ = false;
    bool swapped_ = false;          // the file's byte order is not little-endian
    bool nanoseconds_ = false;      // classic pcap only
    std::uint32_t linktype_ = 0;    // classic pcap only
    std::vector<Interface> interfaces_;   // pcapng, per section
    std::uint64_t offset_ = 0;
    std::uint64_t skipped_ = 0;
    std::vector<std::uint8_t> block_;
};

} // namespace tafel::ingest
