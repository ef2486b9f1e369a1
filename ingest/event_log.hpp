#pragma once
// Appends events to a recording's events.jsonl: one JSON object a line, each with `t_us`
// (UTC µs) and `type` (docs/architecture.md, "Contract: the raw recording"). Lines are written
// whole with O_APPEND; the file is fsynced at most once per sync interval, and on sync()/close.
#include "core/error.hpp"
#include "core/time.hpp"
#include "core/unique_fd.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace tafel::ingest {

class EventLog {
public:
    static Result<EventLog> open(const std::filesystem::path& recording_dir,
                                 std::chrono::milliseconds sync_interval = std::chrono::seconds(1));

    EventLog(EventLog&&) noexcept = default;
    EventLog& operator=(EventLog&&) noexcept = default;
    ~EventLog();

    // Appends one event given as a JSON object. `type` (string) is required; a missing `t_us`
    // is set to `now`. Returns the line as written (without the newline). Errors name the
    // field (Errc::invalid_argument) or the file (Errc::io / Errc::no_space).
    Result<std::string> append(std::string_view json_object, WallTime now);

    Result<void> sync();
    Result<void> close();

    const std::filesystem::path& path() const { return path_; }
    std::uint64_t appended() const { return appended_; }

private:
    EventLog(std::filesystem::path path, UniqueFd fd, std::chrono::milliseconds interval);

    std::filesystem::path path_;
    UniqueFd fd_;
    std::chrono::milliseconds interval_;
    std::int64_t last_sync_ns_ = 0;
    std::uint64_t appended_ = 0;
    bool dirty_ = false;
};

} // namespace tafel::ingest
