#pragma once
// The recorder's disk writer (issue 3, "disk writes batched off the packet path"): one thread
// that appends the records the media threads encoded, and makes them durable. Media threads
// hand over one WriteBatch per sync interval through a lock-free SPSC ring each (no lock, no
// system call but a futex wake per interval); the writer writes every chunk, then syncs what
// it wrote, and publishes per file how many records are written, synced or lost to a failed
// write (disk full: Errc::no_space, logged once per file and interval with the path).
#include "core/error.hpp"
#include "core/log.hpp"
#include "ingest/pcap_writer.hpp"
#include "ingest/spsc_ring.hpp"

#include <atomic>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace tafel::ingest {

// One pcap of a stream. Created (header written and fsynced) on the control thread, then
// written only by the disk writer thread; the counters are read from any thread.
class TrackFile {
public:
    TrackFile(PcapWriter writer, const ClockAnchor& anchor, std::string log_tag);

    const ClockAnchor& anchor() const { return anchor_; }
    const std::filesystem::path& path() const { return path_; }
    std::uint64_t written() const { return written_.load(std::memory_order_relaxed); }
    std::uint64_t synced() const { return synced_.load(std::memory_order_relaxed); }
    std::uint64_t failed() const { return failed_.load(std::memory_order_relaxed); }
    std::optional<Error> last_error() const;

private:
    friend class DiskWriter;
    PcapWriter writer_;                      // disk writer thread only
    const ClockAnchor anchor_;
    const std::filesystem::path path_;
    const std::string log_tag_;
    std::atomic<std::uint64_t> written_{0};  // records written (in the page cache at least)
    std::atomic<std::uint64_t> synced_{0};   // records on disk (fdatasync/syncfs returned)
    std::atomic<std::uint64_t> failed_{0};   // records lost to a failed write
    bool dirty_ = false;                     // written since the last sync (writer thread)
    std::uint64_t unsynced_ = 0;             // records written since the last sync (writer thread)
    log::RateLimit warn_limit_;
    mutable std::mutex error_mutex_;         // status requests only, never the packet path
    std::optional<Error> last_error_;
};

struct WriteChunk {
    std::shared_ptr<TrackFile> file;
    std::vector<std::uint8_t> bytes;          // whole records (PcapWriter::encode_record)
    std::uint64_t records = 0;
    std::shared_ptr<std::promise<Result<void>>> close;   // set: close and rename the file after writing
};

using WriteBatch = std::vector<WriteChunk>;   // synced as a whole after it is written

class DiskWriter {
public:
    // `producers`: one ring per media thread, `ring_capacity` batches each.
    explicit DiskWriter(std::size_t producers, std::size_t ring_capacity = 64);
    ~DiskWriter();   // stop()
    DiskWriter(const DiskWriter&) = delete;
    DiskWriter& operator=(const DiskWriter&) = delete;

    void start();
    // Writes, syncs and closes what was submitted, then joins the thread.
    void stop();
    bool running() const { return thread_.joinable(); }

    // Writes and syncs `batch` on the calling thread: for a writer that is not running
    // (before start, after stop), so that a late close still finishes its file.
    void process(WriteBatch& batch);

    // From media thread `producer` only. False when its ring is full (the writer is behind):
    // the caller keeps the batch and tries again later; nothing blocks.
    bool submit(std::size_t producer, WriteBatch& batch);

    // Sync rounds done and the time the last one took (for the logs and benchmarks).
    std::uint64_t rounds() const { return rounds_.load(std::memory_order_relaxed); }

private:
    void run();
    void write(WriteChunk& chunk, std::vector<TrackFile*>& dirty);
    void sync(std::vector<TrackFile*>& dirty);

    std::vector<std::unique_ptr<SpscRing<WriteBatch>>> rings_;
    std::atomic<std::uint64_t> signal_{0};
    std::atomic<bool> stopping_{false};
    std::atomic<std::uint64_t> rounds_{0};
    std::thread thread_;
};

} // namespace tafel::ingest
