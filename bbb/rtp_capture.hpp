#pragma once
// tafel's raw capture beside each BBB WebM (issue 10): the decrypted RTP and
// RTCP a session receives, with arrival times, in ingest's pcap format
// (ingest/pcap_writer.hpp), so that `tafel import` gets sender reports and
// exact timing, not only the muxed WebM. Streaming threads hand datagrams to
// record() (an encode into memory, no I/O); the owner's thread writes and syncs
// them with flush() about once a second, so a crash loses at most that second,
// and a torn last record is cut by the recovery pass
// (bbb/session_recovery.hpp).
#include "core/error.hpp"
#include "core/time.hpp"
#include "ingest/pcap_writer.hpp"

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

namespace tafel::bbb {

class RtpCapture {
public:
    // `path` is the final name (`<recording>.pcap`); `<path>.tmp` while it is
    // open.
    explicit RtpCapture(std::filesystem::path path);
    ~RtpCapture();
    RtpCapture(const RtpCapture&) = delete;
    RtpCapture& operator=(const RtpCapture&) = delete;

    enum class Direction { received, sent };
    // One datagram as it arrived (after SRTP), or RTCP as it left (before SRTP:
    // the receiver reports, NACKs and PLIs we send). Any thread; cheap. Records
    // that come before open() wait in memory (at most k_max_pending bytes, the
    // rest dropped and counted).
    void record(ArrivalTime arrival, Direction direction, std::span<const std::uint8_t> datagram);

    // Creates `<path>.tmp` (mode 0600) and writes what waited. Called with the
    // WebM's creation.
    Result<void> open();
    // Writes what is pending and fdatasyncs it. Any thread except a streaming
    // one.
    Result<void> flush();
    // flush(), then `<path>.tmp` becomes `<path>`. Later records are dropped.
    // Idempotent.
    Result<void> close();

    const std::filesystem::path& path() const { return path_; }
    std::uint64_t records() const;
    std::uint64_t dropped() const;

    static constexpr std::size_t k_max_pending = 16u << 20;

private:
    std::filesystem::path path_;
    ClockAnchor anchor_;

    mutable std::mutex pending_mutex_; // record() against flush()'s swap
    std::vector<std::uint8_t> pending_;
    std::uint64_t pending_records_ = 0;
    std::uint64_t records_ = 0;
    std::uint64_t dropped_ = 0;
    std::uint16_t ip_id_ = 0;
    bool closed_ = false;

    std::mutex file_mutex_; // the writer: open/flush/close
    std::optional<ingest::PcapWriter> writer_;
    std::vector<std::uint8_t> spare_;
};

// The capture that belongs to a WebM: `x.webm` → `x.pcap`.
std::filesystem::path capture_path_for(const std::filesystem::path& webm);

} // namespace tafel::bbb
