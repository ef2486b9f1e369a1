#pragma once
// Reads back a pcap written by PcapWriter (or any classic pcap of IPv4/UDP over LINKTYPE_RAW):
// one record at a time, so a long lesson never has to fit in memory.
#include "core/error.hpp"
#include "core/time.hpp"
#include "ingest/udp_endpoint.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <vector>

namespace tafel::ingest {

struct PcapRecord {
    std::int64_t wall_ns = 0;        // the record time as written
    ArrivalTime arrival;             // the same through the recording's anchor
    UdpEndpoint source;
    UdpEndpoint destination;
    std::vector<std::uint8_t> payload;   // the UDP payload: the datagram as received
};

class PcapReader {
public:
    // Opens `path`, or `path.tmp` when only that exists (a recording that was not closed).
    // Errc::not_found when neither exists; Errc::malformed_input naming the file on a bad
    // magic, version or link type.
    static Result<PcapReader> open(const std::filesystem::path& path, const ClockAnchor& anchor);

    // The next UDP record; std::nullopt at the end. A truncated last record (crash while
    // appending) ends the file silently (see truncated_tail()). Records that are not IPv4/UDP
    // are skipped and counted.
    Result<std::optional<PcapRecord>> next();

    const std::filesystem::path& path() const { return path_; }
    bool truncated_tail() const { return truncated_tail_; }
    std::uint64_t skipped() const { return skipped_; }

private:
    PcapReader(std::filesystem::path path, std::unique_ptr<std::ifstream> in, ClockAnchor anchor, bool swapped,
               bool nanoseconds, std::uint32_t linktype);
    std::uint32_t u32(const std::uint8_t* p) const;

    std::filesystem::path path_;
    std::unique_ptr<std::ifstream> in_;
    ClockAnchor anchor_;
    bool swapped_ = false;
    bool nanoseconds_ = true;
    std::uint32_t linktype_ = 0;
    bool truncated_tail_ = false;
    std::uint64_t skipped_ = 0;
    std::uint64_t offset_ = 0;
    std::vector<std::uint8_t> record_;
};

// Every UDP record of a file, for tests and small tools.
Result<std::vector<PcapRecord>> read_pcap(const std::filesystem::path& path, const ClockAnchor& anchor);

} // namespace tafel::ingest
