#pragma once
// A generated raw recording (sync_lesson.hpp) made ready for the worker as the recorder would
// leave it: more events in its events.jsonl, and its catalog row in the "stopped" state.
#include "ingest/raw_recording.hpp"
#include "storage/catalog.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <thread>

namespace tafel::test {

// Appends events to `raw_dir`/events.jsonl, each at a time from the recording's start.
class EventAppender {
public:
    EventAppender(const std::filesystem::path& raw_dir, const ingest::RecordingInfo& info);
    void operator()(std::int64_t lesson_ms, nlohmann::json event);
    bool good() const { return out_.good(); }

private:
    std::ofstream out_;
    std::int64_t started_utc_us_;
};

// The catalog row of the stopped recording `info` (id, meeting, title, context, start).
storage::RecordingRow stopped_row(const ingest::RecordingInfo& info);

// The job as the catalog has it now (REQUIREs that it exists).
storage::Job job_of(storage::Catalog& catalog, std::int64_t id);

// Polls `pred` every 25 ms until it holds or `timeout` passed; the last answer.
template <typename Pred>
bool wait_until(Pred pred, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(25)); // polling step of a bounded wait
    }
    return pred();
}

} // namespace tafel::test
