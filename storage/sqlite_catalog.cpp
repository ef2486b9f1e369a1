#include "storage/sqlite_catalog.hpp"

#include "core/ids.hpp"
#include "core/time.hpp"
#include "storage/migrations.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <filesystem>
#include <system_error>
#include <thread>

namespace tafel::storage {

namespace {

constexpr std::string_view k_recording_columns =
    "id, meeting_id, title, context, state, started_utc_us, duration_ms, error, delete_after_utc_us, raw_bytes,"
    " published_bytes, ready_parts";
constexpr std::string_view k_audit_columns = "id, at_utc_us, actor, action, recording_id, details";
constexpr std::string_view k_job_columns =
    "id, recording_id, kind, state, priority, attempts, max_attempts, worker, lease_until, "
    "progress, error, run_after, created_utc_us, started_utc_us, updated_utc_us";

// Retry backoff after a failed attempt: 2^attempts seconds, capped at one hour.
constexpr std::int64_t k_backoff_cap_s = 3600;

std::int64_t backoff_us(int attempts) {
    const int exponent = std::clamp(attempts, 0, 12); // 2^12 s already exceeds the cap
    return std::min<std::int64_t>(std::int64_t{1} << exponent, k_backoff_cap_s) * 1'000'000;
}

std::int64_t to_us(std::chrono::milliseconds d) { return static_cast<std::int64_t>(d.count()) * 1000; }

Result<RecordingRow> read_recording(const Statement& s) {
    RecordingRow row;
    row.id = s.column_text(0);
    row.meeting_id = s.column_text(1);
    row.title = s.column_text(2);
    row.context = s.column_text(3);
    auto state = recording_state_from(s.column_text(4));
    if (!state) return tafel::fail(Errc::database, fmt::format("recording {}: {}", row.id, state.error().message));
    row.state = *state;
    row.started_utc_us = s.column_int64(5);
    row.duration_ms = s.column_int64(6);
    row.error = s.column_text(7);
    row.delete_after_utc_us = s.column_int64(8);
    row.raw_bytes = s.column_int64(9);
    row.published_bytes = s.column_int64(10);
    row.ready_parts = static_cast<unsigned>(s.column_int64(11));
    return row;
}

Result<AuditEntry> read_audit(const Statement& s) {
    AuditEntry e;
    e.id = s.column_int64(0);
    e.at_utc_us = s.column_int64(1);
    e.actor = s.column_text(2);
    e.action = s.column_text(3);
    e.recording_id = s.column_text(4);
    e.details = s.column_text(5);
    return e;
}

Result<Job> read_job(const Statement& s) {
    Job job;
    job.id = s.column_int64(0);
    job.recording_id = s.column_text(1);
    job.kind = s.column_text(2);
    auto state = job_state_from(s.column_text(3));
    if (!state) return tafel::fail(Errc::database, fmt::format("job {}: {}", job.id, state.error().message));
    job.state = *state;
    job.priority = static_cast<int>(s.column_int64(4));
    job.attempts = static_cast<int>(s.column_int64(5));
    job.max_attempts = static_cast<int>(s.column_int64(6));
    job.worker = s.column_text(7);
    job.lease_until_utc_us = s.column_int64(8);
    job.progress_permille = static_cast<int>(s.column_int64(9));
    job.error = s.column_text(10);
    job.run_after_utc_us = s.column_int64(11);
    job.created_utc_us = s.column_int64(12);
    job.started_utc_us = s.column_int64(13);
    job.updated_utc_us = s.column_int64(14);
    return job;
}

template <typename Row, typename Reader>
Result<std::vector<Row>> collect(Statement& stmt, Reader read) {
    std::vector<Row> rows;
    for (;;) {
        auto more = stmt.step();
        if (!more) return std::unexpected(more.error());
        if (!*more) return rows;
        auto row = read(stmt);
        if (!row) return std::unexpected(row.error());
        rows.push_back(std::move(*row));
    }
}

} // namespace

Result<std::unique_ptr<SqliteCatalog>> SqliteCatalog::create(const std::string& path, CatalogClock clock) {
    if (path.empty()) return tafel::fail(Errc::invalid_argument, "catalog URL \"sqlite:\" names no file");
    if (!clock) clock = [] { return wall_now().utc_us; };
    if (path != ":memory:") {
        const auto folder = std::filesystem::path(path).parent_path();
        std::error_code ec;
        if (!folder.empty()) std::filesystem::create_directories(folder, ec);
        if (ec) return tafel::fail(Errc::io, fmt::format("create folder {}: {}", folder.string(), ec.message()));
    }
    auto db = SqliteDb::open(path);
    if (!db) return std::unexpected(db.error());
    // The busy timeout first: switching to WAL and migrating take locks that another
    // process opening the same file at the same moment may hold.
    // synchronous = NORMAL is the setting the SQLite docs recommend with WAL ("Write-Ahead
    // Logging", section 3): commits stay atomic and consistent, only a power cut may undo the
    // last ones (a claim undone that way is claimed again: jobs are idempotent). With FULL
    // every claim waits for an fsync while holding the write lock, and under 4 busy worker
    // processes a waiter could exhaust the busy timeout; 30 s is far beyond any claim.
    for (std::string_view pragma : {"PRAGMA busy_timeout = 30000", "PRAGMA journal_mode = WAL",
                                    "PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON"}) {
        if (auto ok = db->exec(pragma); !ok) return std::unexpected(ok.error());
    }
    if (auto version = migrate(*db, clock()); !version) return std::unexpected(version.error());
    return std::make_unique<SqliteCatalog>(std::move(*db), std::move(clock));
}

// ---- recordings -------------------------------------------------------------------------

Result<void> SqliteCatalog::put_recording(const RecordingRow& row) {
    // Ids become folder names (raw/<id>, published/<id>) and URL segments.
    if (!is_safe_id(row.id))
        return tafel::fail(Errc::invalid_argument, fmt::format("recording id \"{}\" is not a safe id", row.id));
    std::lock_guard lock(mutex_);
    const auto now = now_();
    // ON CONFLICT … DO UPDATE (SQLite 3.24, PostgreSQL 9.5) instead of INSERT OR REPLACE,
    // which would delete the row and with it, through ON DELETE CASCADE, its jobs.
    auto stmt = db_.prepare(
        "INSERT INTO recordings (id, meeting_id, title, context, state, started_utc_us, duration_ms,"
        " error, created_utc_us, updated_utc_us, delete_after_utc_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET meeting_id = excluded.meeting_id, title = excluded.title,"
        " context = excluded.context, state = excluded.state,"
        " started_utc_us = excluded.started_utc_us, duration_ms = excluded.duration_ms,"
        " error = excluded.error, updated_utc_us = excluded.updated_utc_us");
    if (!stmt) return std::unexpected(stmt.error());
    return stmt->bind(1, row.id)
        .bind(2, row.meeting_id)
        .bind(3, row.title)
        .bind(4, row.context)
        .bind(5, to_string(row.state))
        .bind(6, row.started_utc_us)
        .bind(7, row.duration_ms)
        .bind(8, row.error)
        .bind(9, now)
        .bind(10, now)
        .bind(11, row.delete_after_utc_us)
        .run();
}

Result<std::optional<RecordingRow>> SqliteCatalog::recording(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto stmt = db_.prepare(fmt::format("SELECT {} FROM recordings WHERE id = ?", k_recording_columns));
    if (!stmt) return std::unexpected(stmt.error());
    auto rows = collect<RecordingRow>(stmt->bind(1, id), read_recording);
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty()) return std::nullopt;
    return std::move(rows->front());
}

Result<std::vector<RecordingRow>> SqliteCatalog::list_recordings(const std::string& context) {
    std::lock_guard lock(mutex_);
    auto stmt = db_.prepare(fmt::format(
        "SELECT {} FROM recordings WHERE (? = '' OR context = ?) ORDER BY started_utc_us DESC, id DESC",
        k_recording_columns));
    if (!stmt) return std::unexpected(stmt.error());
    return collect<RecordingRow>(stmt->bind(1, context).bind(2, context), read_recording);
}

Result<void> SqliteCatalog::set_recording_state(const std::string& id, RecordingState state,
                                                const std::string& error,
                                                std::optional<std::int64_t> duration_ms) {
    std::lock_guard lock(mutex_);
    auto stmt = db_.prepare(
        "UPDATE recordings SET state = ?, error = ?, duration_ms = COALESCE(?, duration_ms),"
        " updated_utc_us = ? WHERE id = ?");
    if (!stmt) return std::unexpected(stmt.error());
    if (auto ok = stmt->bind(1, to_string(state)).bind(2, error).bind(3, duration_ms).bind(4, now_()).bind(5, id).run();
        !ok)
        return ok;
    if (db_.changes() == 0) return tafel::fail(Errc::not_found, fmt::format("no recording {}", id));
    return {};
}

Result<void> SqliteCatalog::delete_recording(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto stmt = db_.prepare("DELETE FROM recordings WHERE id = ?"); // jobs go by ON DELETE CASCADE
    if (!stmt) return std::unexpected(stmt.error());
    if (auto ok = stmt->bind(1, id).run(); !ok) return ok;
    if (db_.changes() == 0) return tafel::fail(Errc::not_found, fmt::format("no recording {}", id));
    return {};
}

// ---- jobs -------------------------------------------------------------------------------

Result<std::int64_t> SqliteCatalog::enqueue(const std::string& recording_id, const std::string& kind,
                                            int priority) {
    if (kind.empty()) return tafel::fail(Errc::invalid_argument, fmt::format("job for {} has no kind", recording_id));
    std::lock_guard lock(mutex_);
    const auto now = now_();
    auto stmt = db_.prepare(
        "INSERT INTO jobs (recording_id, kind, state, priority, run_after, created_utc_us, updated_utc_us)"
        " VALUES (?, ?, 'queued', ?, ?, ?, ?)");
    if (!stmt) return std::unexpected(stmt.error());
    auto ok = stmt->bind(1, recording_id).bind(2, kind).bind(3, std::int64_t{priority}).bind(4, now)
                  .bind(5, now).bind(6, now).run();
    if (!ok && ok.error().code == Errc::not_found)
        return tafel::fail(Errc::not_found, fmt::format("enqueue {} job: no recording {}", kind, recording_id));
    if (!ok) return std::unexpected(ok.error());
    return db_.last_insert_rowid();
}

Result<std::optional<Job>> SqliteCatalog::claim(const std::string& worker, std::chrono::milliseconds lease) {
    return claim_priority(worker, lease, INT_MIN, INT_MAX);
}

Result<std::optional<Job>> SqliteCatalog::claim_priority(const std::string& worker, std::chrono::milliseconds lease,
                                                         int min_priority, int max_priority) {
    if (worker.empty()) return tafel::fail(Errc::invalid_argument, "claim without a worker name");
    std::lock_guard lock(mutex_);
    const auto now = now_();
    auto tx = Transaction::begin_immediate(db_);
    if (!tx) return std::unexpected(tx.error());

    // A job whose worker vanished on its last allowed attempt fails instead of running
    // forever: a render that crashes its worker would otherwise be retried without end.
    auto expire = db_.prepare(
        "UPDATE jobs SET state = 'failed', lease_until = 0, updated_utc_us = ?,"
        " error = 'lease of worker ' || worker || ' expired on the last attempt'"
        " WHERE state = 'running' AND lease_until < ? AND attempts >= max_attempts");
    if (!expire) return std::unexpected(expire.error());
    if (auto ok = expire->bind(1, now).bind(2, now).run(); !ok) return std::unexpected(ok.error());

    auto pick =
        db_.prepare("SELECT id FROM jobs WHERE priority BETWEEN ? AND ? AND ((state = 'queued' AND run_after <= ?)"
                    " OR (state = 'running' AND lease_until < ?))"
                    " ORDER BY priority DESC, created_utc_us ASC, id ASC LIMIT 1");
    if (!pick) return std::unexpected(pick.error());
    auto found =
        pick->bind(1, std::int64_t{min_priority}).bind(2, std::int64_t{max_priority}).bind(3, now).bind(4, now).step();
    if (!found) return std::unexpected(found.error());
    if (!*found) {
        if (auto ok = tx->commit(); !ok) return std::unexpected(ok.error()); // keeps the expiries
        return std::nullopt;
    }
    const std::int64_t id = pick->column_int64(0);

    auto take = db_.prepare(
        "UPDATE jobs SET state = 'running', worker = ?, lease_until = ?, attempts = attempts + 1,"
        " progress = 0, started_utc_us = ?, updated_utc_us = ? WHERE id = ?");
    if (!take) return std::unexpected(take.error());
    if (auto ok = take->bind(1, worker).bind(2, now + to_us(lease)).bind(3, now).bind(4, now).bind(5, id).run(); !ok)
        return std::unexpected(ok.error());
    auto job = job_locked(id);
    if (!job) return std::unexpected(job.error());
    if (auto ok = tx->commit(); !ok) return std::unexpected(ok.error());
    return job;
}

Error SqliteCatalog::not_leased(std::int64_t job_id, const std::string& worker, std::string_view action) {
    auto current = job_locked(job_id);
    if (!current) return current.error();
    if (!*current) return Error{Errc::not_found, fmt::format("{} job {}: no such job", action, job_id)};
    const Job& j = **current;
    return Error{Errc::cancelled,
                 fmt::format("{} job {} by {}: the job is {} and leased to \"{}\"", action, job_id, worker,
                             to_string(j.state), j.worker)};
}

Result<void> SqliteCatalog::heartbeat(std::int64_t job_id, const std::string& worker,
                                      std::chrono::milliseconds lease, int progress_permille) {
    std::lock_guard lock(mutex_);
    const auto now = now_();
    auto stmt = db_.prepare(
        "UPDATE jobs SET lease_until = ?, progress = ?, updated_utc_us = ?"
        " WHERE id = ? AND state = 'running' AND worker = ?");
    if (!stmt) return std::unexpected(stmt.error());
    const std::int64_t progress = std::clamp(progress_permille, 0, 1000);
    if (auto ok = stmt->bind(1, now + to_us(lease)).bind(2, progress).bind(3, now).bind(4, job_id)
                      .bind(5, worker).run();
        !ok)
        return ok;
    if (db_.changes() == 0) return std::unexpected(not_leased(job_id, worker, "heartbeat"));
    return {};
}

Result<void> SqliteCatalog::succeed(std::int64_t job_id, const std::string& worker) {
    std::lock_guard lock(mutex_);
    auto stmt = db_.prepare(
        "UPDATE jobs SET state = 'succeeded', progress = 1000, lease_until = 0, error = '',"
        " updated_utc_us = ? WHERE id = ? AND state = 'running' AND worker = ?");
    if (!stmt) return std::unexpected(stmt.error());
    if (auto ok = stmt->bind(1, now_()).bind(2, job_id).bind(3, worker).run(); !ok) return ok;
    if (db_.changes() == 0) return std::unexpected(not_leased(job_id, worker, "succeed"));
    return {};
}

Result<void> SqliteCatalog::fail(std::int64_t job_id, const std::string& worker, const std::string& error) {
    std::lock_guard lock(mutex_);
    const auto now = now_();
    auto tx = Transaction::begin_immediate(db_);
    if (!tx) return std::unexpected(tx.error());
    auto current = job_locked(job_id);
    if (!current) return std::unexpected(current.error());
    if (!*current || (*current)->state != JobState::running || (*current)->worker != worker)
        return std::unexpected(not_leased(job_id, worker, "fail"));
    const Job& j = **current;

    const bool last = j.attempts >= j.max_attempts;
    auto stmt = db_.prepare(
        "UPDATE jobs SET state = ?, error = ?, run_after = ?, lease_until = 0, worker = ?,"
        " updated_utc_us = ? WHERE id = ?");
    if (!stmt) return std::unexpected(stmt.error());
    // A requeued job forgets its worker so that `jobs list` does not show a stale lease; a
    // failed one keeps it for the post-mortem.
    if (auto ok = stmt->bind(1, last ? "failed" : "queued")
                      .bind(2, error)
                      .bind(3, last ? j.run_after_utc_us : now + backoff_us(j.attempts))
                      .bind(4, last ? std::string_view(worker) : std::string_view())
                      .bind(5, now)
                      .bind(6, job_id)
                      .run();
        !ok)
        return ok;
    return tx->commit();
}

Result<std::optional<Job>> SqliteCatalog::job_locked(std::int64_t job_id) {
    auto stmt = db_.prepare(fmt::format("SELECT {} FROM jobs WHERE id = ?", k_job_columns));
    if (!stmt) return std::unexpected(stmt.error());
    auto rows = collect<Job>(stmt->bind(1, job_id), read_job);
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty()) return std::nullopt;
    return std::move(rows->front());
}

Result<std::optional<Job>> SqliteCatalog::job(std::int64_t job_id) {
    std::lock_guard lock(mutex_);
    return job_locked(job_id);
}

Result<std::vector<Job>> SqliteCatalog::jobs_of(const std::string& recording_id) {
    std::lock_guard lock(mutex_);
    auto stmt = db_.prepare(
        fmt::format("SELECT {} FROM jobs WHERE recording_id = ? ORDER BY created_utc_us, id", k_job_columns));
    if (!stmt) return std::unexpected(stmt.error());
    return collect<Job>(stmt->bind(1, recording_id), read_job);
}

Result<std::vector<Job>> SqliteCatalog::jobs(std::size_t limit) {
    std::lock_guard lock(mutex_);
    auto stmt = db_.prepare(
        fmt::format("SELECT {} FROM jobs ORDER BY created_utc_us DESC, id DESC LIMIT ?", k_job_columns));
    if (!stmt) return std::unexpected(stmt.error());
    const auto capped = static_cast<std::int64_t>(std::min<std::size_t>(limit, 1'000'000));
    return collect<Job>(stmt->bind(1, capped), read_job);
}

Result<bool> SqliteCatalog::wait_for_work(std::chrono::milliseconds timeout) {
    // SQLite has no notifications between processes: look at the table every 50 ms (a cheap
    // indexed read under WAL, which never blocks the writers).
    constexpr std::chrono::milliseconds k_poll{50};
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            const auto now = now_();
            auto stmt = db_.prepare(
                "SELECT COUNT(*) FROM jobs WHERE (state = 'queued' AND run_after <= ?)"
                " OR (state = 'running' AND lease_until < ?)");
            if (!stmt) return std::unexpected(stmt.error());
            auto row = stmt->bind(1, now).bind(2, now).step();
            if (!row) return std::unexpected(row.error());
            if (*row && stmt->column_int64(0) > 0) return true;
        }
        const auto left = deadline - std::chrono::steady_clock::now();
        if (left <= std::chrono::steady_clock::duration::zero()) return false;
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, k_poll));
    }
}

Result<void> SqliteCatalog::cancel(std::int64_t job_id) {
    std::lock_guard lock(mutex_);
    auto stmt = db_.prepare("UPDATE jobs SET state = 'cancelled', lease_until = 0, updated_utc_us = ?,"
                            " error = 'cancelled by an operator' WHERE id = ? AND state IN ('queued', 'running')");
    if (!stmt) return std::unexpected(stmt.error());
    if (auto ok = stmt->bind(1, now_()).bind(2, job_id).run(); !ok) return ok;
    if (db_.changes() > 0) return {};
    auto current = job_locked(job_id);
    if (!current) return std::unexpected(current.error());
    if (!*current) return tafel::fail(Errc::not_found, fmt::format("cancel job {}: no such job", job_id));
    return tafel::fail(Errc::invalid_argument,
                       fmt::format("cancel job {}: it is already {}", job_id, to_string((*current)->state)));
}

Result<void> SqliteCatalog::retry(std::int64_t job_id) {
    std::lock_guard lock(mutex_);
    const auto now = now_();
    auto stmt = db_.prepare("UPDATE jobs SET state = 'queued', attempts = 0, run_after = ?, lease_until = 0,"
                            " worker = '', error = '', progress = 0, updated_utc_us = ?"
                            " WHERE id = ? AND state IN ('failed', 'cancelled')");
    if (!stmt) return std::unexpected(stmt.error());
    if (auto ok = stmt->bind(1, now).bind(2, now).bind(3, job_id).run(); !ok) return ok;
    if (db_.changes() > 0) return {};
    auto current = job_locked(job_id);
    if (!current) return std::unexpected(current.error());
    if (!*current) return tafel::fail(Errc::not_found, fmt::format("retry job {}: no such job", job_id));
    return tafel::fail(Errc::invalid_argument, fmt::format("retry job {}: it is {}, not failed or cancelled", job_id,
                                                           to_string((*current)->state)));
}

Result<std::int64_t> SqliteCatalog::purge(std::int64_t older_than_utc_us) {
    std::lock_guard lock(mutex_);
    auto stmt = db_.prepare(
        "DELETE FROM jobs WHERE state IN ('succeeded', 'failed', 'cancelled') AND updated_utc_us < ?");
    if (!stmt) return std::unexpected(stmt.error());
    if (auto ok = stmt->bind(1, older_than_utc_us).run(); !ok) return std::unexpected(ok.error());
    return db_.changes();
}

Result<std::int64_t> SqliteCatalog::now_utc_us() {
    std::lock_guard lock(mutex_);
    return now_();
}

// ---- lifecycle ----------------------------------------------------------------------------

Result<std::int64_t> SqliteCatalog::append_audit(const AuditEntry& entry) {
    if (auto ok = validate_audit_entry(entry); !ok) return std::unexpected(ok.error());
    std::lock_guard lock(mutex_);
    auto stmt = db_.prepare(
        "INSERT INTO audit_log (at_utc_us, actor, action, recording_id, details) VALUES (?, ?, ?, ?, ?)");
    if (!stmt) return std::unexpected(stmt.error());
    if (auto ok = stmt->bind(1, entry.at_utc_us != 0 ? entry.at_utc_us : now_())
                      .bind(2, entry.actor)
                      .bind(3, entry.action)
                      .bind(4, entry.recording_id)
                      .bind(5, entry.details)
                      .run();
        !ok)
        return std::unexpected(ok.error());
    return db_.last_insert_rowid();
}

Result<std::vector<AuditEntry>> SqliteCatalog::audit(const AuditFilter& filter) {
    std::lock_guard lock(mutex_);
    // The newest `limit` (id DESC), turned oldest first by the outer query.
    auto stmt = db_.prepare(fmt::format(
        "SELECT {0} FROM (SELECT {0} FROM audit_log WHERE (? = '' OR recording_id = ?) AND (? = '' OR action = ?)"
        " AND at_utc_us >= ? ORDER BY id DESC LIMIT ?) AS newest ORDER BY id",
        k_audit_columns));
    if (!stmt) return std::unexpected(stmt.error());
    const std::int64_t limit = filter.limit == 0 ? -1 : static_cast<std::int64_t>(std::min<std::size_t>(filter.limit, 1'000'000'000));
    return collect<AuditEntry>(stmt->bind(1, filter.recording_id)
                                   .bind(2, filter.recording_id)
                                   .bind(3, filter.action)
                                   .bind(4, filter.action)
                                   .bind(5, filter.since_utc_us)
                                   .bind(6, limit),
                               read_audit);
}

Result<void> SqliteCatalog::set_delete_after(const std::string& id, std::int64_t delete_after_utc_us) {
    std::lock_guard lock(mutex_);
    auto stmt = db_.prepare("UPDATE recordings SET delete_after_utc_us = ?, updated_utc_us = ? WHERE id = ?");
    if (!stmt) return std::unexpected(stmt.error());
    if (auto ok = stmt->bind(1, delete_after_utc_us).bind(2, now_()).bind(3, id).run(); !ok) return ok;
    if (db_.changes() == 0) return tafel::fail(Errc::not_found, fmt::format("no recording {}", id));
    return {};
}

Result<void> SqliteCatalog::set_sizes(const std::string& id, std::int64_t raw_bytes, std::int64_t published_bytes) {
    std::lock_guard lock(mutex_);
    auto stmt = db_.prepare("UPDATE recordings SET raw_bytes = ?, published_bytes = ? WHERE id = ?");
    if (!stmt) return std::unexpected(stmt.error());
    if (auto ok = stmt->bind(1, raw_bytes).bind(2, published_bytes).bind(3, id).run(); !ok) return ok;
    if (db_.changes() == 0) return tafel::fail(Errc::not_found, fmt::format("no recording {}", id));
    return {};
}

Result<void> SqliteCatalog::mark_parts_ready(const std::string& id, unsigned parts) {
    std::lock_guard lock(mutex_);
    auto stmt = db_.prepare("UPDATE recordings SET ready_parts = ready_parts | ?, updated_utc_us = ? WHERE id = ?");
    if (!stmt) return std::unexpected(stmt.error());
    if (auto ok = stmt->bind(1, static_cast<std::int64_t>(parts)).bind(2, now_()).bind(3, id).run(); !ok) return ok;
    if (db_.changes() == 0) return tafel::fail(Errc::not_found, fmt::format("mark parts ready: no recording {}", id));
    return {};
}

} // namespace tafel::storage

namespace tafel::storage {

// ---- metadata ---------------------------------------------------------------------------

Result<void> SqliteCatalog::set_recording_meta(const std::string& id,
                                               const std::map<std::string, std::string>& meta) {
    std::lock_guard lock(mutex_);
    auto tx = Transaction::begin_immediate(db_);
    if (!tx) return std::unexpected(tx.error());
    auto exists = db_.prepare("SELECT COUNT(*) FROM recordings WHERE id = ?");
    if (!exists) return std::unexpected(exists.error());
    if (auto row = exists->bind(1, id).step(); !row) return std::unexpected(row.error());
    if (exists->column_int64(0) == 0) return tafel::fail(Errc::not_found, fmt::format("no recording {}", id));
    for (const auto& [key, value] : meta) {
        auto stmt = value.empty()
                        ? db_.prepare("DELETE FROM recording_meta WHERE recording_id = ? AND meta_key = ?")
                        : db_.prepare("INSERT INTO recording_meta (recording_id, meta_key, meta_value) VALUES (?, ?, ?)"
                                      " ON CONFLICT (recording_id, meta_key) DO UPDATE SET meta_value = excluded.meta_value");
        if (!stmt) return std::unexpected(stmt.error());
        stmt->bind(1, id).bind(2, key);
        if (!value.empty()) stmt->bind(3, value);
        if (auto ok = stmt->run(); !ok) return ok;
    }
    return tx->commit();
}

Result<std::map<std::string, std::string>> SqliteCatalog::recording_meta(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto stmt = db_.prepare("SELECT meta_key, meta_value FROM recording_meta WHERE recording_id = ?");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->bind(1, id);
    std::map<std::string, std::string> out;
    for (;;) {
        auto row = stmt->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        out.emplace(stmt->column_text(0), stmt->column_text(1));
    }
    return out;
}

} // namespace tafel::storage
