#pragma once
// Appends received datagrams to a classic pcap file (nanosecond magic, LINKTYPE_RAW), each
// wrapped in a synthesized IPv4 + UDP header so that tshark/Wireshark show the real ports.
// The file is `<path>.tmp` while open and renamed to `<path>` by close(): a reader that finds
// only the .tmp knows the recording was not closed (crash) and drops a torn last record.
#include "core/error.hpp"
#include "core/time.hpp"
#include "ingest/rtp_packet.hpp"
#include "ingest/udp_endpoint.hpp"
#include "core/unique_fd.hpp"

#include <cstdint>
#include <filesystem>
#include <vector>

namespace tafel::ingest {

class PcapWriter {
public:
    // Creates `<path>.tmp` (replacing a stale one), writes the file header and fsyncs it.
    static Result<PcapWriter> create(const std::filesystem::path& path, const ClockAnchor& anchor);

    PcapWriter(PcapWriter&&) noexcept = default;
    PcapWriter& operator=(PcapWriter&&) noexcept = default;
    ~PcapWriter();   // close() if the caller did not; a failure is logged

    // Buffers one record; the record time is anchor.wall_ns(arrival). Writes the buffer out
    // when it grows large. On a failed write the file is cut back to its last whole record
    // and the buffered records are lost (Errc::no_space on ENOSPC/EDQUOT, else Errc::io).
    Result<void> append(ArrivalTime arrival, const UdpEndpoint& source, const UdpEndpoint& destination,
                        Bytes datagram);

    // Writes the buffered records and fdatasyncs: after it returns they survive a crash.
    Result<void> flush();

    // The split used by the recorder (ingest/disk_writer.hpp): the packet thread encodes
    // records into its own buffer with encode_record(); the disk writer thread appends such
    // a buffer of `records` whole records with write_records() (written at once, not synced;
    // on failure the file is cut back to its last whole record) and syncs with sync().
    static void encode_record(std::vector<std::uint8_t>& out, const ClockAnchor& anchor, std::uint16_t ip_id,
                              ArrivalTime arrival, const UdpEndpoint& source, const UdpEndpoint& destination,
                              Bytes datagram);
    Result<void> write_records(const std::vector<std::uint8_t>& bytes, std::uint64_t records);
    Result<void> sync();   // fdatasync of what was written
    int fd() const { return fd_.get(); }

    // flush(), close the file and rename `<path>.tmp` to `<path>`. Idempotent.
    Result<void> close();

    const std::filesystem::path& path() const { return path_; }
    std::uint64_t records() const { return records_; }
    bool is_open() const { return static_cast<bool>(fd_); }

private:
    PcapWriter(std::filesystem::path path, std::filesystem::path tmp, UniqueFd fd, ClockAnchor anchor,
               std::uint64_t size);
    Result<void> write_buffer();
    Error io_error(const char* what, int err) const;

    std::filesystem::path path_;
    std::filesystem::path tmp_path_;
    UniqueFd fd_;
    ClockAnchor anchor_;
    std::vector<std::uint8_t> buffer_;
    std::uint64_t file_size_ = 0;    // bytes of whole records on disk
    std::uint64_t records_ = 0;
    std::uint16_t ip_id_ = 0;
};

} // namespace tafel::ingest
