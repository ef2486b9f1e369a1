#pragma once
// BBB time → tafel time. Timestamps are the server's monotonic clock in ms from 2.0 on and
// epoch ms in 0.8-era archives; the wall clock comes from the events' `timestampUTC`
// (2.5+), or else from the meeting id's creation suffix ("<sha1>-<epoch ms>"). Recording
// marks cut the meeting into segments exactly as BBB's record-and-playback does
// (lib/recordandplayback/generators/events.rb, get_record_status_events/ match_start_and_stop):
// the marks' times sorted and paired in order whatever their status, none meaning the whole
// meeting, an odd count closing at the last event.
#include "archive/bbb_events.hpp"

#include <cstdint>
#include <vector>

namespace tafel::archive {

struct Segment {
    std::int64_t start_ms = 0; // BBB timestamps, [start, end)
    std::int64_t end_ms = 0;
};

class ArchiveClock {
public:
    // Errors when no wall clock can be found (names the meeting id).
    static Result<ArchiveClock> for_archive(const BbbArchiveEvents& archive);

    // Wall time (UTC µs) of a BBB timestamp.
    std::int64_t wall_us(std::int64_t timestamp_ms) const { return (timestamp_ms + offset_ms_) * 1000; }
    bool epoch_timestamps() const { return epoch_; }

private:
    ArchiveClock(std::int64_t offset_ms, bool epoch) : offset_ms_(offset_ms), epoch_(epoch) {}
    std::int64_t offset_ms_ = 0;
    bool epoch_ = false;
};

// Segments of the archive (never empty for a non-empty event list; zero-length pairs dropped).
std::vector<Segment> recorded_segments(const BbbArchiveEvents& archive);

} // namespace tafel::archive
