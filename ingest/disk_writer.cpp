#include "ingest/disk_writer.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include <unistd.h>

namespace tafel::ingest {

namespace {

// Beyond this many files written in one round, one syncfs(2) (Linux ≥ 5.8 reports writeback
// errors through it) replaces an fdatasync(2) per file: on ext4 every fdatasync is a journal
// commit of its own, and ~2,000 streams × 4 rounds/s of them is more than a shared disk does
// (docs/benchmarks.md, the run before this writer: ~1,500 fdatasync in 2 s). All pcaps of a
// recorder live under one data folder, so one call covers them.
constexpr std::size_t k_syncfs_threshold = 8;

} // namespace

TrackFile::TrackFile(PcapWriter writer, const ClockAnchor& anchor, std::string log_tag)
    : writer_(std::move(writer)), anchor_(anchor), path_(writer_.path()), log_tag_(std::move(log_tag)) {}

std::optional<Error> TrackFile::last_error() const {
    std::lock_guard lock(error_mutex_);
    return last_error_;
}

DiskWriter::DiskWriter(std::size_t producers, std::size_t ring_capacity) {
    for (std::size_t i = 0; i < producers; ++i) rings_.push_back(std::make_unique<SpscRing<WriteBatch>>(ring_capacity));
}

DiskWriter::~DiskWriter() { stop(); }

void DiskWriter::start() {
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] { run(); });
}

void DiskWriter::stop() {
    if (!thread_.joinable()) return;
    stopping_ = true;
    signal_.fetch_add(1, std::memory_order_release);
    signal_.notify_one();
    thread_.join();
}

bool DiskWriter::submit(std::size_t producer, WriteBatch& batch) {
    if (!rings_.at(producer)->push(batch)) return false;
    batch.clear();   // moved from; cleared to say so
    signal_.fetch_add(1, std::memory_order_release);
    signal_.notify_one();
    return true;
}

void DiskWriter::process(WriteBatch& batch) {
    std::vector<TrackFile*> dirty;
    for (auto& chunk : batch) write(chunk, dirty);
    sync(dirty);
    batch.clear();
}

void DiskWriter::run() {
    std::vector<TrackFile*> dirty;
    for (;;) {
        const std::uint64_t seen = signal_.load(std::memory_order_acquire);
        // Everything queued now is written before one sync: a writer that fell behind catches
        // up with fewer, larger rounds instead of queueing more.
        bool any = false;
        for (auto& ring : rings_) {
            while (auto batch = ring->pop()) {
                any = true;
                for (auto& chunk : *batch) write(chunk, dirty);
            }
        }
        if (any) {
            sync(dirty);
            rounds_.fetch_add(1, std::memory_order_relaxed);
            continue;
        }
        if (stopping_.load(std::memory_order_acquire)) return;
        signal_.wait(seen, std::memory_order_acquire);
    }
}

void DiskWriter::write(WriteChunk& chunk, std::vector<TrackFile*>& dirty) {
    TrackFile& f = *chunk.file;
    if (chunk.records > 0) {
        if (auto r = f.writer_.write_records(chunk.bytes, chunk.records); r) {
            f.written_.fetch_add(chunk.records, std::memory_order_relaxed);
            f.unsynced_ += chunk.records;
            if (!f.dirty_) {
                f.dirty_ = true;
                dirty.push_back(&f);
            }
        } else {
            f.failed_.fetch_add(chunk.records, std::memory_order_relaxed);
            {
                std::lock_guard lock(f.error_mutex_);
                f.last_error_ = r.error();
            }
            std::uint64_t suppressed = 0;
            if (f.warn_limit_.allow(suppressed)) {
                log::get("ingest")->error("{}: {} records lost: {}; the session is degraded, its packets are still "
                                          "counted ({} more suppressed)",
                                          f.log_tag_, chunk.records, r.error().describe(), suppressed);
            }
        }
    }
    if (chunk.close) {
        // Closing syncs this file itself (fdatasync, rename, folder fsync).
        auto r = f.writer_.close();
        if (r) {
            f.synced_.store(f.written_.load(std::memory_order_relaxed), std::memory_order_relaxed);
            f.unsynced_ = 0;
        }
        if (f.dirty_) {
            std::erase(dirty, &f);
            f.dirty_ = false;
        }
        chunk.close->set_value(std::move(r));
    }
}

void DiskWriter::sync(std::vector<TrackFile*>& dirty) {
    if (dirty.empty()) return;
    bool done = false;
    if (dirty.size() > k_syncfs_threshold) {
        if (::syncfs(dirty.front()->writer_.fd()) == 0) {
            done = true;
        } else {
            log::get("ingest")->warn("syncfs {}: {}; syncing file by file", dirty.front()->path_.string(),
                                     std::strerror(errno));
        }
    }
    for (TrackFile* f : dirty) {
        if (!done) {
            if (auto r = f->writer_.sync(); !r) {
                std::lock_guard lock(f->error_mutex_);
                f->last_error_ = r.error();
                log::get("ingest")->error("{}: {}", f->log_tag_, r.error().describe());
                f->dirty_ = false;
                continue;
            }
        }
        f->synced_.fetch_add(f->unsynced_, std::memory_order_relaxed);
        f->unsynced_ = 0;
        f->dirty_ = false;
    }
    dirty.clear();
}

} // namespace tafel::ingest
