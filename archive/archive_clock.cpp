#include "archive/archive_clock.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>

namespace tafel::archive {

namespace {

// Epoch ms after 2001-09-09: no monotonic clock of a BBB server has run that long (31 years).
constexpr std::int64_t k_epoch_threshold_ms = 1'000'000'000'000;

std::optional<std::int64_t> to_int(std::string_view s) {
    std::int64_t v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

} // namespace

Result<ArchiveClock> ArchiveClock::for_archive(const BbbArchiveEvents& archive) {
    const BbbEvent& first = archive.events.front();
    if (first.timestamp_ms >= k_epoch_threshold_ms) return ArchiveClock(0, true);
    for (const auto& e : archive.events) {
        if (auto utc = to_int(e.get("timestampUTC")); utc && *utc >= k_epoch_threshold_ms) {
            return ArchiveClock(*utc - e.timestamp_ms, false);
        }
    }
    // "<sha1>-<creation epoch ms>": the meeting was created just before its first event.
    if (const auto dash = archive.meeting_id.rfind('-'); dash != std::string::npos) {
        if (auto created = to_int(std::string_view(archive.meeting_id).substr(dash + 1));
            created && *created >= k_epoch_threshold_ms) {
            return ArchiveClock(*created - first.timestamp_ms, false);
        }
    }
    return fail(Errc::malformed_input,
                fmt::format("meeting {}: no wall clock (no timestampUTC field, no epoch ms in the meeting id)",
                            archive.meeting_id));
}

std::vector<Segment> recorded_segments(const BbbArchiveEvents& archive) {
    const std::int64_t first = archive.events.front().timestamp_ms;
    const std::int64_t last = archive.events.back().timestamp_ms;
    std::vector<std::int64_t> marks;
    for (const auto& e : archive.events) {
        if (e.name == "RecordStatusEvent") marks.push_back(e.timestamp_ms);
    }
    std::vector<Segment> segments;
    if (marks.empty()) {
        segments.push_back({first, last});
        return segments;
    }
    std::sort(marks.begin(), marks.end());
    if (marks.size() % 2 == 1) marks.push_back(last);
    for (std::size_t i = 0; i + 1 < marks.size(); i += 2) {
        if (marks[i + 1] > marks[i]) segments.push_back({marks[i], marks[i + 1]});
    }
    return segments;
}

} // namespace tafel::archive
