#include "storage/pg_catalog.hpp"

#include "core/ids.hpp"
#include "storage/migrations.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <climits>

namespace tafel::storage {

namespace {

constexpr std::string_view k_recording_columns =
    "id, meeting_id, title, context, state, started_utc_us, duration_ms, error, delete_after_utc_us, raw_bytes,"
    " published_bytes, ready_parts";
constexpr std::string_view k_audit_columns = "id, at_utc_us, actor, action, recording_id, details";
constexpr std::string_view k_job_columns =
    "id, recording_id, kind, state, priority, attempts, max_attempts, worker, lease_until, "
    "progress, error, run_after, created_utc_us, started_utc_us, updated_utc_us";
constexpr std::string_view k_channel = "tafel_jobs";
// Serialises migrations of concurrent first opens (any constant; "tafel" in ASCII).
constexpr std::string_view k_migration_lock = "SELECT pg_advisory_xact_lock(7610766501)";

// $1 is always "now": the injected clock's UTC µs, or NULL for the server's clock.
// statement_timestamp() is one value for the whole statement (PostgreSQL 15 manual, 9.9.5).
std::string with_now(std::string_view sql) {
    constexpr std::string_view token = "NOW_US";
    constexpr std::string_view now =
        "COALESCE($1::bigint, (EXTRACT(EPOCH FROM statement_timestamp()) * 1000000)::bigint)";
    std::string out(sql);
    for (auto at = out.find(token); at != std::string::npos; at = out.find(token, at + now.size()))
        out.replace(at, token.size(), now);
    return out;
}

std::int64_t to_us(std::chrono::milliseconds d) { return static_cast<std::int64_t>(d.count()) * 1000; }

Result<RecordingRow> read_recording(const PgResult& r, int i) {
    RecordingRow row;
    row.id = r.text(i, 0);
    row.meeting_id = r.text(i, 1);
    row.title = r.text(i, 2);
    row.context = r.text(i, 3);
    auto state = recording_state_from(r.text(i, 4));
    if (!state) return tafel::fail(Errc::database, fmt::format("recording {}: {}", row.id, state.error().message));
    row.state = *state;
    row.started_utc_us = r.int64(i, 5);
    row.duration_ms = r.int64(i, 6);
    row.error = r.text(i, 7);
    row.delete_after_utc_us = r.int64(i, 8);
    row.raw_bytes = r.int64(i, 9);
    row.published_bytes = r.int64(i, 10);
    row.ready_parts = static_cast<unsigned>(r.int64(i, 11));
    return row;
}

Result<AuditEntry> read_audit(const PgResult& r, int i) {
    AuditEntry e;
    e.id = r.int64(i, 0);
    e.at_utc_us = r.int64(i, 1);
    e.actor = r.text(i, 2);
    e.action = r.text(i, 3);
    e.recording_id = r.text(i, 4);
    e.details = r.text(i, 5);
    return e;
}

Result<Job> read_job(const PgResult& r, int i) {
    Job job;
    job.id = r.int64(i, 0);
    job.recording_id = r.text(i, 1);
    job.kind = r.text(i, 2);
    auto state = job_state_from(r.text(i, 3));
    if (!state) return tafel::fail(Errc::database, fmt::format("job {}: {}", job.id, state.error().message));
    job.state = *state;
    job.priority = static_cast<int>(r.int64(i, 4));
    job.attempts = static_cast<int>(r.int64(i, 5));
    job.max_attempts = static_cast<int>(r.int64(i, 6));
    job.worker = r.text(i, 7);
    job.lease_until_utc_us = r.int64(i, 8);
    job.progress_permille = static_cast<int>(r.int64(i, 9));
    job.error = r.text(i, 10);
    job.run_after_utc_us = r.int64(i, 11);
    job.created_utc_us = r.int64(i, 12);
    job.started_utc_us = r.int64(i, 13);
    job.updated_utc_us = r.int64(i, 14);
    return job;
}

template <typename Row, typename Reader>
Result<std::vector<Row>> collect(Result<PgResult> result, Reader read) {
    if (!result) return std::unexpected(result.error());
    std::vector<Row> rows;
    for (int i = 0; i < result->rows(); ++i) {
        auto row = read(*result, i);
        if (!row) return std::unexpected(row.error());
        rows.push_back(std::move(*row));
    }
    return rows;
}

Result<std::optional<Job>> first_job(Result<PgResult> result) {
    auto rows = collect<Job>(std::move(result), read_job);
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty()) return std::nullopt;
    return std::move(rows->front());
}

Result<int> migrate_pg(PgDb& db, std::int64_t now_utc_us) {
    auto tx = PgTransaction::begin(db);
    if (!tx) return std::unexpected(tx.error());
    if (auto ok = db.exec(k_migration_lock); !ok) return std::unexpected(ok.error());
    if (auto ok = db.exec("CREATE TABLE IF NOT EXISTS schema_version ("
                          " version INTEGER NOT NULL PRIMARY KEY,"
                          " name TEXT NOT NULL,"
                          " applied_utc_us BIGINT NOT NULL)");
        !ok)
        return std::unexpected(ok.error());
    auto current = db.query("SELECT COALESCE(MAX(version), 0) FROM schema_version");
    if (!current) return std::unexpected(current.error());
    int version = static_cast<int>(current->int64(0, 0));
    const auto all = migrations();
    const int newest = all.back().version;
    if (version > newest)
        return tafel::fail(Errc::unsupported, fmt::format("{}: schema version {} is newer than this tafel knows ({})",
                                                          "PostgreSQL catalog", version, newest));
    for (const Migration& m : all) {
        if (m.version <= version) continue;
        if (auto ok = db.exec(migration_sql(m, SqlDialect::postgres)); !ok)
            return tafel::fail(ok.error().code,
                               fmt::format("migration {} ({}): {}", m.version, m.name, ok.error().message));
        auto record = db.query("INSERT INTO schema_version (version, name, applied_utc_us) VALUES ($1, $2, $3)",
                               {pg_param(std::int64_t{m.version}), pg_param(m.name), pg_param(now_utc_us)});
        if (!record) return std::unexpected(record.error());
        version = m.version;
    }
    if (auto ok = tx->commit(); !ok) return std::unexpected(ok.error());
    return version;
}

} // namespace

Result<std::unique_ptr<PgCatalog>> PgCatalog::create(const std::string& url, CatalogClock clock) {
    auto db = PgDb::connect(url);
    if (!db) return std::unexpected(db.error());
    auto catalog = std::make_unique<PgCatalog>(std::move(*db), std::move(clock));
    auto now = catalog->now_utc_us();
    if (!now) return std::unexpected(now.error());
    if (auto version = migrate_pg(catalog->db_, *now); !version) return std::unexpected(version.error());
    if (auto ok = catalog->db_.exec(fmt::format("LISTEN {}", k_channel)); !ok) return std::unexpected(ok.error());
    return catalog;
}

PgParam PgCatalog::now_param() const {
    if (!clock_) return std::nullopt;
    return pg_param(clock_());
}

Result<std::int64_t> PgCatalog::now_utc_us() {
    std::lock_guard lock(mutex_);
    auto r = db_.query(with_now("SELECT NOW_US"), {now_param()});
    if (!r) return std::unexpected(r.error());
    return r->int64(0, 0);
}

// ---- recordings -------------------------------------------------------------------------

Result<void> PgCatalog::put_recording(const RecordingRow& row) {
    if (!is_safe_id(row.id))
        return tafel::fail(Errc::invalid_argument, fmt::format("recording id \"{}\" is not a safe id", row.id));
    std::lock_guard lock(mutex_);
    auto r = db_.query(with_now(
        "INSERT INTO recordings (id, meeting_id, title, context, state, started_utc_us, duration_ms,"
        " error, created_utc_us, updated_utc_us, delete_after_utc_us)"
        " VALUES ($2, $3, $4, $5, $6, $7, $8, $9, NOW_US, NOW_US, $10)"
        " ON CONFLICT (id) DO UPDATE SET meeting_id = excluded.meeting_id, title = excluded.title,"
        " context = excluded.context, state = excluded.state,"
        " started_utc_us = excluded.started_utc_us, duration_ms = excluded.duration_ms,"
        " error = excluded.error, updated_utc_us = excluded.updated_utc_us"),
        {now_param(), pg_param(row.id), pg_param(row.meeting_id), pg_param(row.title), pg_param(row.context),
         pg_param(to_string(row.state)), pg_param(row.started_utc_us), pg_param(row.duration_ms),
         pg_param(row.error), pg_param(row.delete_after_utc_us)});
    if (!r) return std::unexpected(r.error());
    return {};
}

Result<std::optional<RecordingRow>> PgCatalog::recording(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto rows = collect<RecordingRow>(
        db_.query(fmt::format("SELECT {} FROM recordings WHERE id = $1", k_recording_columns), {pg_param(id)}),
        read_recording);
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty()) return std::nullopt;
    return std::move(rows->front());
}

Result<std::vector<RecordingRow>> PgCatalog::list_recordings(const std::string& context) {
    std::lock_guard lock(mutex_);
    return collect<RecordingRow>(
        db_.query(fmt::format("SELECT {} FROM recordings WHERE ($1 = '' OR context = $1)"
                              " ORDER BY started_utc_us DESC, id DESC",
                              k_recording_columns),
                  {pg_param(context)}),
        read_recording);
}

Result<void> PgCatalog::set_recording_state(const std::string& id, RecordingState state,
                                            const std::string& error,
                                            std::optional<std::int64_t> duration_ms) {
    std::lock_guard lock(mutex_);
    auto r = db_.query(with_now("UPDATE recordings SET state = $2, error = $3,"
                                " duration_ms = COALESCE($4::bigint, duration_ms), updated_utc_us = NOW_US"
                                " WHERE id = $5"),
                       {now_param(), pg_param(to_string(state)), pg_param(error), pg_param(duration_ms),
                        pg_param(id)});
    if (!r) return std::unexpected(r.error());
    if (r->affected() == 0) return tafel::fail(Errc::not_found, fmt::format("no recording {}", id));
    return {};
}

Result<void> PgCatalog::delete_recording(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto r = db_.query("DELETE FROM recordings WHERE id = $1", {pg_param(id)}); // jobs: ON DELETE CASCADE
    if (!r) return std::unexpected(r.error());
    if (r->affected() == 0) return tafel::fail(Errc::not_found, fmt::format("no recording {}", id));
    return {};
}

// ---- jobs -------------------------------------------------------------------------------

Result<std::int64_t> PgCatalog::enqueue(const std::string& recording_id, const std::string& kind, int priority) {
    if (kind.empty()) return tafel::fail(Errc::invalid_argument, fmt::format("job for {} has no kind", recording_id));
    std::lock_guard lock(mutex_);
    // pg_notify in RETURNING: the NOTIFY is delivered when (and only if) the insert commits.
    auto r = db_.query(with_now(fmt::format(
        "INSERT INTO jobs (recording_id, kind, state, priority, run_after, created_utc_us, updated_utc_us)"
        " VALUES ($2, $3, 'queued', $4, NOW_US, NOW_US, NOW_US) RETURNING id, pg_notify('{}', '')",
        k_channel)),
        {now_param(), pg_param(recording_id), pg_param(kind), pg_param(std::int64_t{priority})});
    if (!r && r.error().code == Errc::not_found)
        return tafel::fail(Errc::not_found, fmt::format("enqueue {} job: no recording {}", kind, recording_id));
    if (!r) return std::unexpected(r.error());
    return r->int64(0, 0);
}

Result<std::optional<Job>> PgCatalog::claim(const std::string& worker, std::chrono::milliseconds lease) {
    return claim_priority(worker, lease, INT_MIN, INT_MAX);
}

Result<std::optional<Job>> PgCatalog::claim_priority(const std::string& worker, std::chrono::milliseconds lease,
                                                     int min_priority, int max_priority) {
    if (worker.empty()) return tafel::fail(Errc::invalid_argument, "claim without a worker name");
    std::lock_guard lock(mutex_);
    const PgParam now = now_param();
    // A job whose worker vanished on its last allowed attempt fails instead of running forever.
    auto expire = db_.query(with_now(
        "UPDATE jobs SET state = 'failed', lease_until = 0, updated_utc_us = NOW_US,"
        " error = 'lease of worker ' || worker || ' expired on the last attempt'"
        " WHERE state = 'running' AND lease_until < NOW_US AND attempts >= max_attempts"),
        {now});
    if (!expire) return std::unexpected(expire.error());
    // SKIP LOCKED: rows another worker is claiming right now are passed over, not waited
    // for; the outer UPDATE re-checks nothing because the row lock is already ours.
    return first_job(db_.query(
        with_now(fmt::format("UPDATE jobs SET state = 'running', worker = $2, lease_until = NOW_US + $3::bigint,"
                             " attempts = attempts + 1, progress = 0, started_utc_us = NOW_US, updated_utc_us = NOW_US"
                             " WHERE id = (SELECT id FROM jobs WHERE priority BETWEEN $4::integer AND $5::integer AND"
                             "  ((state = 'queued' AND run_after <= NOW_US)"
                             "   OR (state = 'running' AND lease_until < NOW_US AND attempts < max_attempts))"
                             "  ORDER BY priority DESC, created_utc_us ASC, id ASC LIMIT 1 FOR UPDATE SKIP LOCKED)"
                             " RETURNING {}",
                             k_job_columns)),
        {now, pg_param(worker), pg_param(to_us(lease)), pg_param(std::int64_t{min_priority}),
         pg_param(std::int64_t{max_priority})}));
}

Error PgCatalog::not_leased(std::int64_t job_id, const std::string& worker, std::string_view action) {
    auto current = job_locked(job_id);
    if (!current) return current.error();
    if (!*current) return Error{Errc::not_found, fmt::format("{} job {}: no such job", action, job_id)};
    const Job& j = **current;
    return Error{Errc::cancelled, fmt::format("{} job {} by {}: the job is {} and leased to \"{}\"", action, job_id,
                                              worker, to_string(j.state), j.worker)};
}

Result<void> PgCatalog::heartbeat(std::int64_t job_id, const std::string& worker, std::chrono::milliseconds lease,
                                  int progress_permille) {
    std::lock_guard lock(mutex_);
    auto r = db_.query(with_now("UPDATE jobs SET lease_until = NOW_US + $2::bigint, progress = $3,"
                                " updated_utc_us = NOW_US WHERE id = $4 AND state = 'running' AND worker = $5"),
                       {now_param(), pg_param(to_us(lease)), pg_param(std::int64_t{std::clamp(progress_permille, 0, 1000)}),
                        pg_param(job_id), pg_param(worker)});
    if (!r) return std::unexpected(r.error());
    if (r->affected() == 0) return std::unexpected(not_leased(job_id, worker, "heartbeat"));
    return {};
}

Result<void> PgCatalog::succeed(std::int64_t job_id, const std::string& worker) {
    std::lock_guard lock(mutex_);
    auto r = db_.query(with_now("UPDATE jobs SET state = 'succeeded', progress = 1000, lease_until = 0, error = '',"
                                " updated_utc_us = NOW_US WHERE id = $2 AND state = 'running' AND worker = $3"),
                       {now_param(), pg_param(job_id), pg_param(worker)});
    if (!r) return std::unexpected(r.error());
    if (r->affected() == 0) return std::unexpected(not_leased(job_id, worker, "succeed"));
    return {};
}

Result<void> PgCatalog::fail(std::int64_t job_id, const std::string& worker, const std::string& error) {
    std::lock_guard lock(mutex_);
    // One statement: requeue after 2^attempts s (capped at an hour) until max_attempts, then
    // failed for good. A requeued job forgets its worker; a failed one keeps it.
    auto r = db_.query(with_now(fmt::format(
        "UPDATE jobs SET error = $2, lease_until = 0, updated_utc_us = NOW_US,"
        " state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,"
        " run_after = CASE WHEN attempts >= max_attempts THEN run_after"
        "   ELSE NOW_US + LEAST(1::bigint << LEAST(attempts, 12), 3600) * 1000000 END,"
        " worker = CASE WHEN attempts >= max_attempts THEN worker ELSE '' END"
        " WHERE id = $3 AND state = 'running' AND worker = $4 RETURNING id, pg_notify('{}', '')",
        k_channel)),
        {now_param(), pg_param(error), pg_param(job_id), pg_param(worker)});
    if (!r) return std::unexpected(r.error());
    if (r->rows() == 0) return std::unexpected(not_leased(job_id, worker, "fail"));
    return {};
}

Result<std::optional<Job>> PgCatalog::job_locked(std::int64_t job_id) {
    return first_job(db_.query(fmt::format("SELECT {} FROM jobs WHERE id = $1", k_job_columns), {pg_param(job_id)}));
}

Result<std::optional<Job>> PgCatalog::job(std::int64_t job_id) {
    std::lock_guard lock(mutex_);
    return job_locked(job_id);
}

Result<std::vector<Job>> PgCatalog::jobs_of(const std::string& recording_id) {
    std::lock_guard lock(mutex_);
    return collect<Job>(db_.query(fmt::format("SELECT {} FROM jobs WHERE recording_id = $1 ORDER BY created_utc_us, id",
                                              k_job_columns),
                                  {pg_param(recording_id)}),
                        read_job);
}

Result<std::vector<Job>> PgCatalog::jobs(std::size_t limit) {
    std::lock_guard lock(mutex_);
    const auto capped = static_cast<std::int64_t>(std::min<std::size_t>(limit, 1'000'000));
    return collect<Job>(db_.query(fmt::format("SELECT {} FROM jobs ORDER BY created_utc_us DESC, id DESC LIMIT $1",
                                              k_job_columns),
                                  {pg_param(capped)}),
                        read_job);
}

Result<bool> PgCatalog::wait_for_work(std::chrono::milliseconds timeout) {
    std::lock_guard lock(mutex_);
    // The soonest moment a job becomes runnable: a queued job's run_after (backoff) or a
    // running job's lease end (its worker may have died). No NOTIFY marks those moments.
    auto next = db_.query(with_now("SELECT MIN(CASE WHEN state = 'queued' THEN run_after ELSE lease_until END)"
                                   " - NOW_US, COUNT(*) FROM jobs WHERE state IN ('queued', 'running')"),
                          {now_param()});
    if (!next) return std::unexpected(next.error());
    if (next->int64(0, 1) > 0) {
        const std::int64_t wait_us = next->int64(0, 0);
        if (wait_us < 0) return true;
        timeout = std::min(timeout, std::chrono::milliseconds(wait_us / 1000 + 1));
    }
    auto notified = db_.wait_for_notification(timeout);
    if (!notified) return std::unexpected(notified.error());
    return *notified;
}

Result<void> PgCatalog::cancel(std::int64_t job_id) {
    std::lock_guard lock(mutex_);
    auto r = db_.query(with_now("UPDATE jobs SET state = 'cancelled', lease_until = 0, updated_utc_us = NOW_US,"
                                " error = 'cancelled by an operator' WHERE id = $2 AND state IN ('queued', 'running')"),
                       {now_param(), pg_param(job_id)});
    if (!r) return std::unexpected(r.error());
    if (r->affected() > 0) return {};
    auto current = job_locked(job_id);
    if (!current) return std::unexpected(current.error());
    if (!*current) return tafel::fail(Errc::not_found, fmt::format("cancel job {}: no such job", job_id));
    return tafel::fail(Errc::invalid_argument,
                       fmt::format("cancel job {}: it is already {}", job_id, to_string((*current)->state)));
}

Result<void> PgCatalog::retry(std::int64_t job_id) {
    std::lock_guard lock(mutex_);
    auto r = db_.query(with_now(fmt::format(
        "UPDATE jobs SET state = 'queued', attempts = 0, run_after = NOW_US, lease_until = 0, worker = '',"
        " error = '', progress = 0, updated_utc_us = NOW_US WHERE id = $2 AND state IN ('failed', 'cancelled')"
        " RETURNING id, pg_notify('{}', '')",
        k_channel)),
        {now_param(), pg_param(job_id)});
    if (!r) return std::unexpected(r.error());
    if (r->rows() > 0) return {};
    auto current = job_locked(job_id);
    if (!current) return std::unexpected(current.error());
    if (!*current) return tafel::fail(Errc::not_found, fmt::format("retry job {}: no such job", job_id));
    return tafel::fail(Errc::invalid_argument, fmt::format("retry job {}: it is {}, not failed or cancelled", job_id,
                                                           to_string((*current)->state)));
}

Result<std::int64_t> PgCatalog::purge(std::int64_t older_than_utc_us) {
    std::lock_guard lock(mutex_);
    auto r = db_.query("DELETE FROM jobs WHERE state IN ('succeeded', 'failed', 'cancelled') AND updated_utc_us < $1",
                       {pg_param(older_than_utc_us)});
    if (!r) return std::unexpected(r.error());
    return r->affected();
}

} // namespace tafel::storage

namespace tafel::storage {

// ---- metadata ---------------------------------------------------------------------------

Result<void> PgCatalog::set_recording_meta(const std::string& id, const std::map<std::string, std::string>& meta) {
    std::lock_guard lock(mutex_);
    auto tx = PgTransaction::begin(db_);
    if (!tx) return std::unexpected(tx.error());
    // FOR UPDATE: a concurrent delete of the recording waits for this transaction.
    auto exists = db_.query("SELECT id FROM recordings WHERE id = $1 FOR UPDATE", {pg_param(id)});
    if (!exists) return std::unexpected(exists.error());
    if (exists->rows() == 0) return tafel::fail(Errc::not_found, fmt::format("no recording {}", id));
    for (const auto& [key, value] : meta) {
        auto r = value.empty()
                     ? db_.query("DELETE FROM recording_meta WHERE recording_id = $1 AND meta_key = $2",
                                 {pg_param(id), pg_param(key)})
                     : db_.query("INSERT INTO recording_meta (recording_id, meta_key, meta_value) VALUES ($1, $2, $3)"
                                 " ON CONFLICT (recording_id, meta_key) DO UPDATE SET meta_value = EXCLUDED.meta_value",
                                 {pg_param(id), pg_param(key), pg_param(value)});
        if (!r) return std::unexpected(r.error());
    }
    return tx->commit();
}

Result<std::map<std::string, std::string>> PgCatalog::recording_meta(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto r = db_.query("SELECT meta_key, meta_value FROM recording_meta WHERE recording_id = $1", {pg_param(id)});
    if (!r) return std::unexpected(r.error());
    std::map<std::string, std::string> out;
    for (int i = 0; i < r->rows(); ++i) out.emplace(r->text(i, 0), r->text(i, 1));
    return out;
}

// ---- lifecycle ----------------------------------------------------------------------------

Result<std::int64_t> PgCatalog::append_audit(const AuditEntry& entry) {
    if (auto ok = validate_audit_entry(entry); !ok) return std::unexpected(ok.error());
    std::lock_guard lock(mutex_);
    const PgParam at = entry.at_utc_us != 0 ? pg_param(entry.at_utc_us) : now_param();
    auto r = db_.query(with_now("INSERT INTO audit_log (at_utc_us, actor, action, recording_id, details)"
                                " VALUES (NOW_US, $2, $3, $4, $5) RETURNING id"),
                       {at, pg_param(entry.actor), pg_param(entry.action), pg_param(entry.recording_id),
                        pg_param(entry.details)});
    if (!r) return std::unexpected(r.error());
    return r->int64(0, 0);
}

Result<std::vector<AuditEntry>> PgCatalog::audit(const AuditFilter& filter) {
    std::lock_guard lock(mutex_);
    const PgParam limit = filter.limit == 0 ? std::nullopt
                                            : pg_param(static_cast<std::int64_t>(
                                                  std::min<std::size_t>(filter.limit, 1'000'000'000)));
    return collect<AuditEntry>(
        db_.query(fmt::format("SELECT {0} FROM (SELECT {0} FROM audit_log WHERE ($1 = '' OR recording_id = $1)"
                              " AND ($2 = '' OR action = $2) AND at_utc_us >= $3 ORDER BY id DESC LIMIT $4::bigint)"
                              " AS newest ORDER BY id",
                              k_audit_columns),
                  {pg_param(filter.recording_id), pg_param(filter.action), pg_param(filter.since_utc_us), limit}),
        read_audit);
}

Result<void> PgCatalog::set_delete_after(const std::string& id, std::int64_t delete_after_utc_us) {
    std::lock_guard lock(mutex_);
    auto r = db_.query(with_now("UPDATE recordings SET delete_after_utc_us = $2, updated_utc_us = NOW_US WHERE id = $3"),
                       {now_param(), pg_param(delete_after_utc_us), pg_param(id)});
    if (!r) return std::unexpected(r.error());
    if (r->affected() == 0) return tafel::fail(Errc::not_found, fmt::format("no recording {}", id));
    return {};
}

Result<void> PgCatalog::set_sizes(const std::string& id, std::int64_t raw_bytes, std::int64_t published_bytes) {
    std::lock_guard lock(mutex_);
    auto r = db_.query("UPDATE recordings SET raw_bytes = $1, published_bytes = $2 WHERE id = $3",
                       {pg_param(raw_bytes), pg_param(published_bytes), pg_param(id)});
    if (!r) return std::unexpected(r.error());
    if (r->affected() == 0) return tafel::fail(Errc::not_found, fmt::format("no recording {}", id));
    return {};
}

Result<void> PgCatalog::mark_parts_ready(const std::string& id, unsigned parts) {
    std::lock_guard lock(mutex_);
    auto r = db_.query(
        with_now(
            "UPDATE recordings SET ready_parts = ready_parts | $2::integer, updated_utc_us = NOW_US WHERE id = $3"),
        {now_param(), pg_param(static_cast<std::int64_t>(parts)), pg_param(id)});
    if (!r) return std::unexpected(r.error());
    if (r->affected() == 0) return tafel::fail(Errc::not_found, fmt::format("mark parts ready: no recording {}", id));
    return {};
}

} // namespace tafel::storage
