#include "ingest/session_recovery.hpp"

#include "core/log.hpp"
#include "ingest/pcap_format.hpp"
#include "ingest/pcap_writer.hpp"
#include "ingest/raw_recording.hpp"
#include "core/unique_fd.hpp"
#include "ingest/catalog_row.hpp"
#include "storage/catalog.hpp"
#include "storage/layout.hpp"
#include "storage/submission.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace tafel::ingest {

namespace {

namespace fs = std::filesystem;

std::uint32_t le32(const std::uint8_t* p) {
    return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[3]} << 24);
}

Error errno_error(const char* what, const fs::path& path, int err) {
    return Error{err == ENOSPC ? Errc::no_space : Errc::io, fmt::format("{} {}: {}", what, path.string(), std::strerror(err))};
}

Result<void> sync_path(const fs::path& path, bool directory) {
    const int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_WRONLY) | O_CLOEXEC);
    if (fd < 0) return std::unexpected(errno_error("open", path, errno));
    const UniqueFd owner(fd);
    if (::fsync(fd) != 0) return std::unexpected(errno_error("fsync", path, errno));
    return {};
}

struct TrackScan {
    std::uint64_t whole_bytes = 0;   // header + whole records
    std::uint64_t records = 0;
    std::int64_t last_wall_ns = 0;
};

// Walks the records of a pcap PcapWriter wrote (little-endian, nanosecond magic) and finds
// where the last whole record ends. A record is whole when its 16-byte header and its
// incl_len bytes are present and incl_len can hold the synthesized IPv4 + UDP headers (a
// zero-filled tail after power loss is not a record).
Result<TrackScan> scan_pcap(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(Errc::io, fmt::format("cannot open {}", path.string()));
    std::array<std::uint8_t, pcap::k_file_header> header{};
    in.read(reinterpret_cast<char*>(header.data()), header.size());
    TrackScan scan;
    if (static_cast<std::size_t>(in.gcount()) != header.size()) return scan;   // not even a header
    if (le32(header.data()) != pcap::k_magic_ns) {
        return fail(Errc::malformed_input, fmt::format("{} is not a pcap written by the recorder", path.string()));
    }
    scan.whole_bytes = pcap::k_file_header;
    std::array<std::uint8_t, pcap::k_record_header> rec{};
    std::vector<char> skip;
    for (;;) {
        in.read(reinterpret_cast<char*>(rec.data()), rec.size());
        if (static_cast<std::size_t>(in.gcount()) != rec.size()) break;
        const std::uint32_t incl = le32(&rec[8]);
        if (incl < pcap::k_ipv4_header + pcap::k_udp_header || incl > pcap::k_snaplen) break;
        skip.resize(incl);
        in.read(skip.data(), incl);
        if (static_cast<std::uint32_t>(in.gcount()) != incl) break;
        scan.whole_bytes += rec.size() + incl;
        ++scan.records;
        const std::int64_t t = std::int64_t{le32(&rec[0])} * 1'000'000'000 + le32(&rec[4]);
        scan.last_wall_ns = std::max(scan.last_wall_ns, t);
    }
    return scan;
}

// Closes one track's pcap: cuts the torn tail of `<file>.tmp`, syncs and renames it. A
// track that was already closed is only scanned for its last packet time.
Result<TrackScan> close_track(const fs::path& file, const ClockAnchor& anchor, std::uint64_t& torn_bytes) {
    fs::path tmp = file;
    tmp += ".tmp";
    std::error_code ec;
    if (!fs::exists(tmp, ec)) {
        if (fs::exists(file, ec)) return scan_pcap(file);
        // The track was announced but its file never made it to disk: an empty capture.
        auto w = PcapWriter::create(file, anchor);
        if (!w) return std::unexpected(w.error());
        if (auto r = w->close(); !r) return std::unexpected(r.error());
        return TrackScan{pcap::k_file_header, 0, 0};
    }
    auto scan = scan_pcap(tmp);
    if (!scan) return scan;
    if (scan->whole_bytes < pcap::k_file_header) {
        // Died before the header was synced: start the file again, empty.
        auto w = PcapWriter::create(file, anchor);
        if (!w) return std::unexpected(w.error());
        if (auto r = w->close(); !r) return std::unexpected(r.error());
        return TrackScan{pcap::k_file_header, 0, 0};
    }
    const auto size = fs::file_size(tmp, ec);
    if (ec) return fail(Errc::io, fmt::format("size of {}: {}", tmp.string(), ec.message()));
    if (size > scan->whole_bytes) {
        torn_bytes += size - scan->whole_bytes;
        fs::resize_file(tmp, scan->whole_bytes, ec);
        if (ec) return fail(Errc::io, fmt::format("truncate {}: {}", tmp.string(), ec.message()));
    }
    if (auto r = sync_path(tmp, false); !r) return std::unexpected(r.error());
    fs::rename(tmp, file, ec);
    if (ec) return fail(Errc::io, fmt::format("rename {}: {}", tmp.string(), ec.message()));
    if (auto r = sync_path(file.parent_path(), true); !r) return std::unexpected(r.error());
    return scan;
}

} // namespace

Result<ClosedCapture> close_torn_capture(const fs::path& file) {
    ClosedCapture out;
    auto scan = close_track(file, ClockAnchor::now(), out.torn_bytes);
    if (!scan) return std::unexpected(scan.error());
    out.records = scan->records;
    out.last_wall_ns = scan->last_wall_ns;
    return out;
}

namespace {

// Cuts events.jsonl after its last newline (a line torn by the crash).
Result<void> cut_torn_event(const fs::path& dir) {
    const fs::path path = dir / "events.jsonl";
    std::error_code ec;
    if (!fs::exists(path, ec)) return {};
    std::ifstream in(path, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.empty() || text.back() == '\n') return {};
    const auto last = text.rfind('\n');
    fs::resize_file(path, last == std::string::npos ? 0 : last + 1, ec);
    if (ec) return fail(Errc::io, fmt::format("truncate {}: {}", path.string(), ec.message()));
    return sync_path(path, false);
}

// Catalog: state stopped, one render job and its preview (the row is re-created if it is missing).
Result<void> finish_in_catalog(storage::Catalog& catalog, const RecordingInfo& info) {
    auto row = catalog.recording(info.id);
    if (!row) return std::unexpected(row.error());
    if (!*row) {
        if (auto ok = catalog.put_recording(catalog_row(info, storage::RecordingState::stopped)); !ok) return ok;
    } else if ((*row)->state == storage::RecordingState::recording) {
        if (auto ok = catalog.set_recording_state(info.id, storage::RecordingState::stopped); !ok) return ok;
    }
    auto jobs = catalog.jobs_of(info.id);
    if (!jobs) return std::unexpected(jobs.error());
    if (jobs->empty()) {
        // As a clean stop does: the render and the audio-only preview (storage/submission.hpp).
        if (auto submitted = storage::submit_recording(catalog, info.id); !submitted)
            return std::unexpected(submitted.error());
    }
    return {};
}

Result<std::optional<RecoveredSession>> recover_one(storage::Catalog& catalog, const fs::path& dir) {
    auto info = read_recording_info(dir);
    if (!info) return std::unexpected(info.error());
    if (info->stopped) {
        // Finalised on disk; the catalog may still say recording if the process died between
        // the two (recording.json is written first).
        auto row = catalog.recording(info->id);
        if (row && *row && (*row)->state == storage::RecordingState::recording) {
            if (auto r = finish_in_catalog(catalog, *info); !r) return std::unexpected(r.error());
            return RecoveredSession{info->id, *info->stopped, 0, 0};
        }
        return std::optional<RecoveredSession>{};
    }
    RecoveredSession out;
    out.id = info->id;
    std::int64_t last_ns = info->started.utc_us * 1000;
    for (const auto& track : info->tracks) {
        auto scan = close_track(dir / track.file, info->anchor, out.torn_bytes);
        if (!scan) return std::unexpected(scan.error());
        out.packets += scan->records;
        last_ns = std::max(last_ns, scan->last_wall_ns);
    }
    if (auto r = cut_torn_event(dir); !r) return std::unexpected(r.error());
    out.stopped = WallTime{last_ns / 1000};
    info->stopped = out.stopped;
    if (auto r = write_recording_info(dir, *info); !r) return std::unexpected(r.error());
    if (auto r = finish_in_catalog(catalog, *info); !r) return std::unexpected(r.error());
    return out;
}

} // namespace

std::vector<RecoveredSession> recover_sessions(storage::Catalog& catalog, const storage::Layout& layout) {
    std::vector<RecoveredSession> out;
    const fs::path raw = layout.root() / "raw";
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(raw, ec)) {
        if (!entry.is_directory(ec) || !fs::exists(entry.path() / "recording.json", ec)) continue;
        auto r = recover_one(catalog, entry.path());
        if (!r) {
            log::get("ingest")->error("recovering {}: {}", entry.path().string(), r.error().describe());
            continue;
        }
        if (!*r) continue;
        log::get("ingest")->warn("recovered recording {} that was not stopped: {} packets kept, {} torn bytes cut, "
                                 "stopped at its last packet; render job enqueued",
                                 (*r)->id, (*r)->packets, (*r)->torn_bytes);
        out.push_back(std::move(**r));
    }
    return out;
}

} // namespace tafel::ingest
