#pragma once
// The catalog of recordings and the durable job queue, in one database. Every SQL statement
// of tafel lives in storage/; callers see only these value types.
#include "core/error.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tafel::storage {

// unpublished: rendered, but hidden from viewers by its owner (BBB's publishRecordings
// publish=false); publishing again needs no render.
enum class RecordingState { recording, stopped, processing, published, failed, unpublished };

struct RecordingRow {
    std::string id;
    std::string meeting_id;
    std::string title;
    std::string context;
    RecordingState state = RecordingState::recording;
    std::int64_t started_utc_us = 0;
    std::int64_t duration_ms = 0;   // known once rendered
    std::string error;              // why it failed, when it did
    // Lifecycle (issue 9). put_recording writes delete_after only when it inserts a row (an
    // update keeps the date: the recorder rewrites rows without knowing it); the sizes are
    // set_sizes()' alone.
    std::int64_t delete_after_utc_us = 0;   // 0: not set yet (the retention sweep stamps it)
    std::int64_t raw_bytes = 0;             // raw/<id>/ on disk, as last measured
    std::int64_t published_bytes = 0;       // published/<id>/ on disk, as last measured
    // Progressive publishing (issue 6): the parts of published/<id>/ viewers may play, a
    // mask of k_part_audio | k_part_video; mark_parts_ready()'s alone, only ever grows.
    unsigned ready_parts = 0;
};

// The parts of a published recording. The audio-only preview (audio, chapters, chat) is
// published within seconds of the recording's render job starting; the video follows.
inline constexpr unsigned k_part_audio = 1;
inline constexpr unsigned k_part_video = 2;
// "audio", "video" for the bits set, in that order (the JSON API's "parts").
std::vector<std::string> part_names(unsigned parts);

// One entry of the append-only audit log: who did what to which recording, when. Details is
// a JSON object text (never a pupil's name: ids, sizes, reasons).
struct AuditEntry {
    std::int64_t id = 0;            // assigned by the catalog, ascending
    std::int64_t at_utc_us = 0;     // 0 on append: the catalog's now
    std::string actor;              // "cli:<user>", "worker-0", "retention", "recorder", …
    std::string action;             // k_audit_actions
    std::string recording_id;
    std::string details = "{}";
};

// The actions the audit log knows (issue 9: not every view, only what changes or hands out
// data). "raw_deleted": the raw capture went once processing succeeded.
inline constexpr const char* k_audit_actions[] = {"created",  "processed",  "published", "unpublished",
                                                  "shared",   "downloaded", "extended",  "shortened",
                                                  "deleted",  "raw_deleted"};
bool is_audit_action(const std::string& action);
// invalid_argument naming the field: unknown action, empty actor, details not a JSON object.
Result<void> validate_audit_entry(const AuditEntry& entry);

struct AuditFilter {
    std::string recording_id;       // empty: every recording
    std::string action;             // empty: every action
    std::int64_t since_utc_us = 0;  // entries at or after
    std::size_t limit = 0;          // 0: all; otherwise the newest `limit`, still oldest first
};

// failed is final ("dead"): every attempt failed or the last lease expired; cancelled is
// an operator's decision (`tafel jobs cancel`).
enum class JobState { queued, running, succeeded, failed, cancelled };

// Priority classes: light jobs (publish, audio-only, chapters, thumbnails) take seconds and
// must never wait behind heavy encodes (BigBlueButton #25070), so they run first and workers
// keep a lane for them (JobRunner, Catalog::claim_priority).
inline constexpr int k_priority_heavy = 0;
inline constexpr int k_priority_light = 10;
// The class of a job kind: "render" is heavy, everything else tafel knows is light.
int default_priority(const std::string& kind);
// Whether a job of this kind makes the whole lesson (the heavy class): what the retention
// sweep judges raw data by, since a light job (the audio-only preview) needs only part of it.
bool is_heavy_kind(const std::string& kind);

// The job kinds the worker runs (transcode/job_runner.hpp): the whole lesson, and its
// audio-only part (progressive publishing, storage/submission.hpp).
inline constexpr const char* k_kind_render = "render";
inline constexpr const char* k_kind_preview = "preview";

struct Job {
    std::int64_t id = 0;
    std::string recording_id;
    std::string kind;               // "render"
    JobState state = JobState::queued;
    int priority = 0;               // higher runs first
    int attempts = 0;
    int max_attempts = 3;
    std::string worker;             // who holds the lease
    std::int64_t lease_until_utc_us = 0;
    int progress_permille = 0;
    std::string error;
    std::int64_t run_after_utc_us = 0;   // not claimed before this (retry backoff)
    std::int64_t created_utc_us = 0;
    std::int64_t started_utc_us = 0;     // when the current (or last) attempt was claimed
    std::int64_t updated_utc_us = 0;     // last heartbeat or state change
};

// The estimated time left of a running job from its progress so far (linear), or nullopt
// while nothing can be said (not running, no progress yet).
std::optional<std::int64_t> eta_us(const Job& job, std::int64_t now_utc_us);

std::string to_string(RecordingState s);
std::string to_string(JobState s);
Result<RecordingState> recording_state_from(const std::string& s);
Result<JobState> job_state_from(const std::string& s);

// The catalog's notion of "now" in UTC microseconds; tests inject a fake one.
using CatalogClock = std::function<std::int64_t()>;

class Catalog {
public:
    virtual ~Catalog() = default;

    // "sqlite:<path>" (created with its folder if missing) or "postgresql://…" /
    // "postgres://…" (a libpq connection URI); migrations run on open on both.
    static Result<std::unique_ptr<Catalog>> open(const std::string& url);
    // The same with an injected clock (lease and backoff times). Without one SQLite uses
    // this host's wall clock and PostgreSQL the database server's clock, so that workers on
    // hosts with skewed clocks judge leases alike.
    static Result<std::unique_ptr<Catalog>> open(const std::string& url, CatalogClock clock);

    // Recordings.
    virtual Result<void> put_recording(const RecordingRow& row) = 0;   // insert or replace
    virtual Result<std::optional<RecordingRow>> recording(const std::string& id) = 0;
    // Newest first; an empty context lists every context.
    virtual Result<std::vector<RecordingRow>> list_recordings(const std::string& context = {}) = 0;
    virtual Result<void> set_recording_state(const std::string& id, RecordingState state,
                                             const std::string& error = {},
                                             std::optional<std::int64_t> duration_ms = {}) = 0;

    // Jobs. enqueue returns the job id.
    virtual Result<std::int64_t> enqueue(const std::string& recording_id, const std::string& kind,
                                         int priority = 0) = 0;
    // Atomically takes the highest-priority, oldest runnable job (queued, or running with an
    // expired lease) and leases it to `worker` for `lease`. std::nullopt when none is runnable.
    virtual Result<std::optional<Job>> claim(const std::string& worker,
                                             std::chrono::milliseconds lease) = 0;
    // Extends the lease and records progress; fails (Errc::cancelled) when the job is no
    // longer this worker's, so the worker stops.
    virtual Result<void> heartbeat(std::int64_t job_id, const std::string& worker,
                                   std::chrono::milliseconds lease, int progress_permille) = 0;
    virtual Result<void> succeed(std::int64_t job_id, const std::string& worker) = 0;
    // Records the error; the job is queued again until max_attempts, then failed.
    virtual Result<void> fail(std::int64_t job_id, const std::string& worker,
                              const std::string& error) = 0;
    virtual Result<std::optional<Job>> job(std::int64_t job_id) = 0;
    virtual Result<std::vector<Job>> jobs_of(const std::string& recording_id) = 0;

    // Added after the first contract; not pure so that existing fakes keep compiling.
    // Removes the recording's row and its jobs (files are the caller's: Layout). not_found
    // when there is no such recording.
    virtual Result<void> delete_recording(const std::string& id);
    // The newest `limit` jobs of every recording, newest first (`tafel jobs list`).
    virtual Result<std::vector<Job>> jobs(std::size_t limit = 100);

    // The queue's lifecycle (issue 6). Defaults answer unsupported so that fakes compile.
    // Like claim(), but only jobs whose priority lies in [min_priority, max_priority]: the
    // light-job lane takes [k_priority_light, INT_MAX], a heavy thread beside such a lane
    // looks at [INT_MIN, k_priority_heavy] first (JobRunner).
    virtual Result<std::optional<Job>> claim_priority(const std::string& worker, std::chrono::milliseconds lease,
                                                      int min_priority, int max_priority);
    // Blocks up to `timeout` until a job may be runnable: true when one is (or a wake-up
    // arrived), false on timeout. PostgreSQL: LISTEN/NOTIFY; SQLite: polls the table.
    virtual Result<bool> wait_for_work(std::chrono::milliseconds timeout);
    // Queued or running jobs become cancelled (a running worker learns it at its next
    // heartbeat and stops). not_found for no such job; invalid_argument when already final.
    virtual Result<void> cancel(std::int64_t job_id);
    // A failed or cancelled job is queued again now with a fresh attempt budget.
    virtual Result<void> retry(std::int64_t job_id);
    // Deletes finished (succeeded, failed, cancelled) jobs last changed before the given
    // time; returns how many.
    virtual Result<std::int64_t> purge(std::int64_t older_than_utc_us);
    // The catalog's current time (the database's clock on PostgreSQL).
    virtual Result<std::int64_t> now_utc_us();

    // Free-form metadata of a recording (BigBlueButton's meta_* parameters; the player's
    // updateRecordings). set_recording_meta merges: an empty value removes the key.
    // not_found when there is no such recording. Defaults answer unsupported.
    virtual Result<void> set_recording_meta(const std::string& id,
                                            const std::map<std::string, std::string>& meta);
    virtual Result<std::map<std::string, std::string>> recording_meta(const std::string& id);

    // Lifecycle (issue 9). Defaults answer unsupported so that fakes compile.
    // Appends one entry (invalid_argument for an unknown action or a details text that is not
    // a JSON object); returns its id. There is deliberately no way to change or remove one:
    // the database refuses it too (triggers, migration 4).
    virtual Result<std::int64_t> append_audit(const AuditEntry& entry);
    // Matching entries, oldest first.
    virtual Result<std::vector<AuditEntry>> audit(const AuditFilter& filter);
    // Sets the delete-after date without policy (storage/retention.hpp says who may);
    // not_found for no such recording.
    virtual Result<void> set_delete_after(const std::string& id, std::int64_t delete_after_utc_us);
    virtual Result<void> set_sizes(const std::string& id, std::int64_t raw_bytes, std::int64_t published_bytes);

    // Progressive publishing (issue 6): adds `parts` (k_part_*) to the recording's ready
    // parts in one atomic statement (`ready_parts | parts`), so that a preview finishing after
    // the full render cannot take the video away. not_found for no such recording.
    virtual Result<void> mark_parts_ready(const std::string& id, unsigned parts);
};

} // namespace tafel::storage
