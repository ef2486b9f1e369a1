#pragma once
// Start-up recovery of recordings whose recorder died (kill -9, power loss): raw/<id>/ whose
// recording.json has no stopped_utc_us. Each track's `.pcap.tmp` is cut back to its last
// whole record (a torn tail), fsynced and renamed; a torn last line of events.jsonl is cut;
// the stopped time becomes the last packet's; the catalog marks the recording stopped and a
// render job is enqueued (once: an existing job is not duplicated). Idempotent, so a crash
// during recovery is recovered by the next start.
#include "core/error.hpp"
#include "core/time.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace tafel::storage {
class Catalog;
class Layout;
} // namespace tafel::storage

namespace tafel::ingest {

struct RecoveredSession {
    std::string id;
    WallTime stopped;                  // the last packet's arrival as wall time (or the start)
    std::uint64_t packets = 0;         // whole records kept over all tracks
    std::uint64_t torn_bytes = 0;      // bytes cut from torn tails
};

// One capture a PcapWriter left open (`<file>.tmp`, its writer died): cut back to its last
// whole record, synced and renamed to `<file>`; an empty capture when not even the header
// reached the disk. A `<file>` already closed is only scanned. Also used by bbb/ for the raw
// capture beside each BBB WebM.
struct ClosedCapture {
    std::uint64_t records = 0;     // whole records kept
    std::uint64_t torn_bytes = 0;  // cut from the torn tail
    std::int64_t last_wall_ns = 0; // the last record's time (0 without records)
};
Result<ClosedCapture> close_torn_capture(const std::filesystem::path& file);

// Recovers every unfinished recording under layout.root()/raw. A recording that cannot be
// recovered is logged with its path and skipped; the others still are.
std::vector<RecoveredSession> recover_sessions(storage::Catalog& catalog, const storage::Layout& layout);

} // namespace tafel::ingest
