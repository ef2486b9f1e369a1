#pragma once
// The worker side of the job queue: claims jobs, renders the raw recording into a private
// work folder, publishes it atomically and records the outcome in the catalog. Two kinds:
// "render" (heavy: the whole lesson, video and audio) and "preview" (light: the audio-only
// files with chapters and chat, transcode/preview_job.hpp). Both are queued when the
// recording is submitted (storage/submission.hpp); the light lane starts the preview within
// one polling interval, even outside a processing window or while every heavy thread encodes,
// so that pupils can listen within seconds while the video waits (progressive publishing).
// A lease is held while the job runs and extended by heartbeats, so that a crashed worker's
// job is taken up again by another once the lease expires.
#include "core/error.hpp"
#include "storage/layout.hpp"
#include "transcode/processing_window.hpp"
#include "transcode/render_job.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace tafel::storage {
class Catalog;
struct Job;
}

namespace tafel::transcode {

struct JobRunnerOptions {
    std::string database_url;                       // each worker thread opens its own connection
    std::string worker_name = "worker";             // prefix of the lease holder's name
    int concurrency = 1;                            // heavy jobs (encodes) at once
    // One more thread that claims only light jobs (priority >= storage::k_priority_light:
    // publish, audio-only, chapters, thumbnails), so that they start within one polling
    // interval even while every other thread is busy on a long encode.
    bool light_lane = true;
    // How long an idle worker waits before looking again; PostgreSQL's NOTIFY (and SQLite's
    // 50 ms table poll, Catalog::wait_for_work) wake it sooner when a job arrives.
    std::chrono::milliseconds poll{500};
    std::chrono::milliseconds lease{30'000};        // renewed by heartbeats while a job runs
    RenderOptions render;
    // CPU budget beside live lessons on the same host: the worker's threads (and the encoder
    // threads they start, which inherit it) run at this nice level; 0 leaves it unchanged.
    int nice = 0;
    // Heavy jobs start only inside this window; outside it the heavy threads take light jobs
    // only. A job that is running when the window closes is finished, not interrupted.
    ProcessingWindow window;
    std::function<int()> minute_now; // local minute of the day; empty: the system clock
    // Adds files to a finished render's work folder just before it is published (e.g.
    // `tafel reprocess`'s BBB metadata.xml), so that they are checksummed into the manifest
    // and appear in published/ together with the lesson, never after it. Called on the
    // worker's thread; an error fails the job and nothing is published.
    std::function<Result<void>(const std::string& recording_id, const std::filesystem::path& work)> before_publish;
};

class JobRunner {
public:
    static Result<std::unique_ptr<JobRunner>> create(JobRunnerOptions options, storage::Layout layout);
    ~JobRunner();
    JobRunner(const JobRunner&) = delete;
    JobRunner& operator=(const JobRunner&) = delete;

    // Starts `concurrency` worker threads, plus the light lane.
    void start();
    // Lets running jobs finish, then joins the threads (graceful drain).
    void stop();
    // Wakes idle workers now instead of at their next poll (a job was just enqueued).
    void wake();

    // Claims and runs one job on the calling thread: true if a job ran (whatever its
    // outcome), false if none was runnable. Used by the threads and by `tafel process`.
    Result<bool> run_once(storage::Catalog& catalog, const std::string& worker);

    // Called after each job with (recording id, outcome) — e.g. to print the playback URL.
    void on_finished(std::function<void(const std::string&, const Result<void>&)> callback);

private:
    JobRunner(JobRunnerOptions options, storage::Layout layout);
    Result<bool> run_claimed(storage::Catalog& catalog, const std::string& worker,
                             Result<std::optional<storage::Job>> claimed);
    Result<bool> run_heavy_first(storage::Catalog& catalog, const std::string& worker);
    Result<std::int64_t> run_render(storage::Catalog& catalog, const std::string& worker, const storage::Job& job);
    Result<void> finish_render(storage::Catalog& catalog, const std::string& worker, const storage::Job& job,
                               Result<std::int64_t> outcome);
    // true: published; false: nothing to do (something was published already).
    Result<bool> run_preview(storage::Catalog& catalog, const std::string& worker, const storage::Job& job);
    Result<void> finish_preview(storage::Catalog& catalog, const std::string& worker, const storage::Job& job,
                                Result<bool> outcome);
    static void cancel_superseded_previews(storage::Catalog& catalog, const std::string& id);
    std::function<bool(int)> heartbeats(storage::Catalog& catalog, const std::string& worker, std::int64_t job,
                                        bool& lease_lost) const;
    void loop(int index);
    bool heavy_allowed_now() const;

    JobRunnerOptions options_;
    storage::Layout layout_;
    std::vector<std::thread> threads_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::uint64_t wake_generation_ = 0;
    std::function<void(const std::string&, const Result<void>&)> on_finished_;
};

} // namespace tafel::transcode
