#include "storage/migrations.hpp"

#include "storage/sqlite_db.hpp"

#include <fmt/format.h>

#include <array>

namespace tafel::storage {

namespace {

// Portable SQL (SQLite and PostgreSQL both accept it): ANSI types, times as BIGINT UTC
// microseconds, no AUTOINCREMENT/INSERT OR REPLACE/strftime. The one SQLite-flavoured
// detail is `jobs.id INTEGER PRIMARY KEY` (SQLite's rowid alias, assigned in insertion
// order); the PostgreSQL backend will spell it `BIGINT GENERATED ALWAYS AS IDENTITY`.
constexpr std::string_view k_v1 = R"sql(
CREATE TABLE recordings (
    id              VARCHAR(128) NOT NULL PRIMARY KEY,
    meeting_id      TEXT         NOT NULL,
    title           TEXT         NOT NULL,
    context         TEXT         NOT NULL,
    state           VARCHAR(16)  NOT NULL,
    started_utc_us  BIGINT       NOT NULL,
    duration_ms     BIGINT       NOT NULL DEFAULT 0,
    error           TEXT         NOT NULL DEFAULT '',
    created_utc_us  BIGINT       NOT NULL,
    updated_utc_us  BIGINT       NOT NULL
);
CREATE INDEX recordings_by_context ON recordings (context, started_utc_us);
CREATE INDEX recordings_by_start ON recordings (started_utc_us);

-- run_after and lease_until are UTC microseconds; progress is in permille.
CREATE TABLE jobs (
    id              INTEGER      NOT NULL PRIMARY KEY,
    recording_id    VARCHAR(128) NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
    kind            VARCHAR(32)  NOT NULL,
    state           VARCHAR(16)  NOT NULL,
    priority        INTEGER      NOT NULL DEFAULT 0,
    attempts        INTEGER      NOT NULL DEFAULT 0,
    max_attempts    INTEGER      NOT NULL DEFAULT 3,
    worker          TEXT         NOT NULL DEFAULT '',
    run_after       BIGINT       NOT NULL,
    lease_until     BIGINT       NOT NULL DEFAULT 0,
    error           TEXT         NOT NULL DEFAULT '',
    progress        INTEGER      NOT NULL DEFAULT 0,
    created_utc_us  BIGINT       NOT NULL,
    updated_utc_us  BIGINT       NOT NULL
);
CREATE INDEX jobs_runnable ON jobs (state, priority, created_utc_us);
CREATE INDEX jobs_by_recording ON jobs (recording_id);
)sql";

constexpr std::array k_migrations{
    Migration{1, "recordings and jobs", k_v1},
};

Result<int> current_version(SqliteDb& db) {
    auto stmt = db.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version");
    if (!stmt) return std::unexpected(stmt.error());
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    return static_cast<int>(stmt->column_int64(0));
}

} // namespace

std::span<const Migration> migrations() { return k_migrations; }

Result<int> migrate(SqliteDb& db, std::int64_t now_utc_us) {
    if (auto ok = db.exec("CREATE TABLE IF NOT EXISTS schema_version ("
                          " version INTEGER NOT NULL PRIMARY KEY,"
                          " name TEXT NOT NULL,"
                          " applied_utc_us BIGINT NOT NULL)");
        !ok)
        return std::unexpected(ok.error());

    auto tx = Transaction::begin_immediate(db);
    if (!tx) return std::unexpected(tx.error());
    // Read inside the write transaction: another process may have migrated meanwhile.
    auto version = current_version(db);
    if (!version) return std::unexpected(version.error());
    const int newest = k_migrations.back().version;
    if (*version > newest)
        return fail(Errc::unsupported,
                    fmt::format("{}: schema version {} is newer than this tafel knows ({})",
                                db.path(), *version, newest));

    for (const Migration& m : k_migrations) {
        if (m.version <= *version) continue;
        if (auto ok = db.exec(m.sql); !ok)
            return fail(ok.error().code, fmt::format("{}: migration {} ({}): {}", db.path(),
                                                     m.version, m.name, ok.error().message));
        auto record = db.prepare(
            "INSERT INTO schema_version (version, name, applied_utc_us) VALUES (?, ?, ?)");
        if (!record) return std::unexpected(record.error());
        if (auto ok = record->bind(1, std::int64_t{m.version}).bind(2, m.name).bind(3, now_utc_us).run();
            !ok)
            return std::unexpected(ok.error());
        *version = m.version;
    }
    if (auto ok = tx->commit(); !ok) return std::unexpected(ok.error());
    return *version;
}

} // namespace tafel::storage
