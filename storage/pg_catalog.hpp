#pragma once
// The catalog and job queue on PostgreSQL, for many machines: claims take the row with
// `FOR UPDATE SKIP LOCKED` (PostgreSQL 15 manual, SELECT, "The Locking Clause"), so workers
// never wait on each other's rows; leases and backoff are judged by the database server's
// clock; enqueue and requeue NOTIFY the channel `tafel_jobs`, which idle workers LISTEN to.
// One connection per PgCatalog, guarded by a mutex.
#include "storage/catalog.hpp"
#include "storage/pg_db.hpp"

#include <mutex>

namespace tafel::storage {

class PgCatalog final : public Catalog {
public:
    // Connects, runs the migrations (serialised by an advisory lock) and LISTENs.
    // An empty clock means the database's clock.
    static Result<std::unique_ptr<PgCatalog>> create(const std::string& url, CatalogClock clock);

    PgCatalog(PgDb db, CatalogClock clock) : db_(std::move(db)), clock_(std::move(clock)) {}

    Result<void> put_recording(const RecordingRow& row) override;
    Result<std::optional<RecordingRow>> recording(const std::string& id) override;
    Result<std::vector<RecordingRow>> list_recordings(const std::string& context) override;
    Result<void> set_recording_state(const std::string& id, RecordingState state,
                                     const std::string& error,
                                     std::optional<std::int64_t> duration_ms) override;
    Result<void> delete_recording(const std::string& id) override;

    Result<std::int64_t> enqueue(const std::string& recording_id, const std::string& kind,
                                 int priority) override;
    Result<std::optional<Job>> claim(const std::string& worker, std::chrono::milliseconds lease) override;
    Result<std::optional<Job>> claim_priority(const std::string& worker, std::chrono::milliseconds lease,
                                              int min_priority, int max_priority) override;
    Result<void> heartbeat(std::int64_t job_id, const std::string& worker,
                           std::chrono::milliseconds lease, int progress_permille) override;
    Result<void> succeed(std::int64_t job_id, const std::string& worker) override;
    Result<void> fail(std::int64_t job_id, const std::string& worker, const std::string& error) override;
    Result<std::optional<Job>> job(std::int64_t job_id) override;
    Result<std::vector<Job>> jobs_of(const std::string& recording_id) override;
    Result<std::vector<Job>> jobs(std::size_t limit) override;
    Result<bool> wait_for_work(std::chrono::milliseconds timeout) override;
    Result<void> cancel(std::int64_t job_id) override;
    Result<void> retry(std::int64_t job_id) override;
    Result<std::int64_t> purge(std::int64_t older_than_utc_us) override;
    Result<std::int64_t> now_utc_us() override;

    Result<std::int64_t> append_audit(const AuditEntry& entry) override;
    Result<std::vector<AuditEntry>> audit(const AuditFilter& filter) override;
    Result<void> set_delete_after(const std::string& id, std::int64_t delete_after_utc_us) override;
    Result<void> set_sizes(const std::string& id, std::int64_t raw_bytes, std::int64_t published_bytes) override;
    Result<void> mark_parts_ready(const std::string& id, unsigned parts) override;
    Result<void> set_recording_meta(const std::string& id,
                                    const std::map<std::string, std::string>& meta) override;
    Result<std::map<std::string, std::string>> recording_meta(const std::string& id) override;

private:
    // The injected clock's time, or NULL: the SQL then uses the server's clock.
    PgParam now_param() const;
    Result<std::optional<Job>> job_locked(std::int64_t job_id);
    Error not_leased(std::int64_t job_id, const std::string& worker, std::string_view action);

    std::mutex mutex_;
    PgDb db_;
    CatalogClock clock_;
};

} // namespace tafel::storage
