#pragma once
// Reprocessing whole archive trees (`tafel reprocess`): finds BBB archive folders, imports
// each into the data folder's raw/, registers it and enqueues one render job through the
// queue (below live lessons' priority, so a thousand-archive batch never delays today's
// lessons), runs workers until every job of the batch is final, publishes metadata.xml
// beside each output. Resumable: an archive whose recording is published (with its
// metadata.xml) is skipped unless `force`. A stop request cancels the batch's jobs — the
// job runner removes a cancelled job's work folder, so nothing is ever half-published.
#include "core/error.hpp"
#include "storage/layout.hpp"
#include "transcode/render_job.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tafel::archive {

struct BatchOptions {
    std::vector<std::filesystem::path> roots;   // searched recursively for events.xml
    std::filesystem::path data_dir;             // raw/, published/, tmp/
    std::string database_url;                   // the catalog + queue
    std::optional<std::int64_t> since_utc_us;   // only archives recorded at or after
    int parallel = 1;                           // renders at once
    bool dry_run = false;                       // find and identify only: nothing written
    bool force = false;                         // reprocess published ones too
    int priority = -1;                          // below storage::k_priority_heavy (live lessons)
    std::string player_url;                     // base of metadata.xml's <link> ("" → "/r/<id>")
    transcode::RenderOptions render;            // formats, size, threads
    std::chrono::milliseconds poll{200};
    const std::atomic<bool>* stop = nullptr;    // set (e.g. by SIGINT) to stop cleanly
};

enum class ArchiveOutcome { ok, failed, skipped, planned, cancelled };
std::string to_string(ArchiveOutcome o);

struct ArchiveResult {
    std::filesystem::path archive;
    std::string recording_id;     // "" when the archive could not even be identified
    ArchiveOutcome outcome = ArchiveOutcome::planned;
    std::string reason;           // failed: the error naming file and event; skipped: why
    std::int64_t recorded_ms = 0; // the archive's recorded length
    std::int64_t job_id = 0;
    std::int64_t processing_ms = 0;
    std::map<std::string, int> unsupported; // unknown events/shapes, by name
};

struct RunningJob {
    std::string recording_id;
    int permille = 0;
};

struct BatchProgress {
    std::vector<RunningJob> running;
    int finished = 0;             // ok + failed (+ cancelled)
    int total = 0;                // archives to process (not the skipped)
    std::int64_t elapsed_ms = 0;
    std::optional<std::int64_t> eta_ms; // from recorded time done per wall time
    int permille = 0;             // of the batch, by recorded time
};

struct BatchResult {
    std::vector<ArchiveResult> archives;
    int ok = 0, failed = 0, skipped = 0, cancelled = 0;
    bool interrupted = false;
    std::int64_t wall_ms = 0;
    std::int64_t recorded_ms_processed = 0; // of the ok ones
};

// Every folder under `roots` (or a root itself) holding an events.xml, sorted by path.
std::vector<std::filesystem::path> find_archives(const std::vector<std::filesystem::path>& roots);

// Runs the batch. `on_progress` is called every poll interval while renders run;
// `on_archive` once per archive when its outcome is known. Errors only for what stops the
// whole batch (catalog unreachable); each archive's failure is in its result.
Result<BatchResult> run_batch(const BatchOptions& options, const std::function<void(const BatchProgress&)>& on_progress,
                              const std::function<void(const ArchiveResult&)>& on_archive);

// The summary table (one row per archive: outcome, recording, archive, reason).
std::string summary_table(const BatchResult& result);
// The batch as JSON (--report FILE.json): {"ok", "failed", …, "archives": [{…}]}.
Result<void> write_batch_report(const std::filesystem::path& file, const BatchResult& result);

} // namespace tafel::archive
