#pragma once
// The job runner tests' starting point: a stopped lesson in raw/<id>/ with its catalog row,
// a data folder with a real catalog on either backend, and bounded waits on the queue.
#include "storage/catalog.hpp"
#include "storage/layout.hpp"
#include "test_database.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>

namespace tafel::transcode::test {

struct QueueLessonOptions {
    int seconds = 1;
    // The teacher's 440 Hz microphone throughout; without it the lesson has no tracks at
    // all (a pure composition and video encode).
    bool audio = true;
    // A chat line at 1 s and a chapter ("Hebelgesetz") at 2 s.
    bool events = true;
};

// Writes raw/<id>/ (recording.json, tracks, events.jsonl) and the catalog row (stopped).
void make_queue_lesson(const storage::Layout& layout, storage::Catalog& catalog, const std::string& id,
                       const QueueLessonOptions& options);

// A data folder and its catalog on `backend` (a fresh database; SQLite in the data folder).
struct QueueData {
    storage::test::TestDatabase db;
    storage::Layout layout;
    std::unique_ptr<storage::Catalog> catalog;
    explicit QueueData(storage::test::Backend backend = storage::test::Backend::sqlite);
    const std::string& url() const { return db.url(); }
};

storage::Job job_of(storage::Catalog& catalog, std::int64_t id);
std::optional<storage::Job> job_of_kind(storage::Catalog& catalog, const std::string& id, const std::string& kind);
// The full render of `id`, queued now and run at once by a runner of its own (one encoder
// thread, as a second worker would): the render job as it ended.
storage::Job render_now(QueueData& d, const std::string& id);
nlohmann::json manifest_of(const storage::Layout& layout, const std::string& id);
// A whole file's bytes (empty when it cannot be read).
std::string read_text(const std::filesystem::path& path);

// Polls `pred` every `step` until it holds or `timeout` passed; the last answer.
template <typename Pred>
bool wait_until(Pred pred, std::chrono::milliseconds timeout,
                std::chrono::milliseconds step = std::chrono::milliseconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(step); // polling step of a bounded wait
    }
    return pred();
}

} // namespace tafel::transcode::test
