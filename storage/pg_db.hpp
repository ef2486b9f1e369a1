#pragma once
// Owners of libpq handles (a connection, a result) and the one function that turns
// PostgreSQL's SQLSTATEs into tafel::Error. Private to storage/: libpq-fe.h is included only
// by the .cpp files.
#include "core/error.hpp"

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct pg_conn;
struct pg_result;

namespace tafel::storage {

struct PgFinisher {
    void operator()(pg_conn* conn) const noexcept;
};
struct PgClearer {
    void operator()(pg_result* result) const noexcept;
};

// One query parameter in libpq's text format; std::nullopt is SQL NULL.
using PgParam = std::optional<std::string>;
inline PgParam pg_param(std::int64_t v) { return std::to_string(v); }
inline PgParam pg_param(std::string_view v) { return std::string(v); }
inline PgParam pg_param(const std::string& v) { return v; }
inline PgParam pg_param(const char* v) { return std::string(v); }
inline PgParam pg_param(std::optional<std::int64_t> v) {
    return v ? PgParam(std::to_string(*v)) : std::nullopt;
}

// The rows (or the command status) of one statement.
class PgResult {
public:
    explicit PgResult(pg_result* result) : result_(result) {}

    int rows() const;
    std::string text(int row, int column) const;
    std::int64_t int64(int row, int column) const;
    // Rows touched by an UPDATE/DELETE/INSERT.
    std::int64_t affected() const;

private:
    std::unique_ptr<pg_result, PgClearer> result_;
};

// One connection (move-only). Not thread-safe: the owner serialises calls.
class PgDb {
public:
    // `url` is a libpq connection URI ("postgresql://user@host:port/db?…").
    static Result<PgDb> connect(const std::string& url);

    // One or more statements without parameters (migrations, BEGIN/COMMIT, LISTEN).
    Result<void> exec(std::string_view sql);
    // One statement with $1, $2, … parameters.
    Result<PgResult> query(std::string_view sql, std::initializer_list<PgParam> params = {});

    // Waits up to `timeout` for a NOTIFY on a channel this connection LISTENs to; true when
    // one (or more) arrived. All pending notifications are consumed.
    Result<bool> wait_for_notification(std::chrono::milliseconds timeout);

    const std::string& url() const { return url_; }

private:
    PgDb(pg_conn* conn, std::string url) : conn_(conn), url_(std::move(url)) {}
    // A dropped connection (server restart, network) is re-established once before a
    // statement; the statement itself is never retried, so nothing runs twice.
    Result<void> ensure_connected();
    bool drain_notifications();

    std::unique_ptr<pg_conn, PgFinisher> conn_;
    std::string url_;
};

// Runs `sql` in its own transaction; rolls back unless commit() succeeded.
class PgTransaction {
public:
    static Result<PgTransaction> begin(PgDb& db);
    PgTransaction(PgTransaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
    PgTransaction& operator=(PgTransaction&&) = delete;
    PgTransaction(const PgTransaction&) = delete;
    ~PgTransaction();
    Result<void> commit();

private:
    explicit PgTransaction(PgDb* db) : db_(db) {}
    PgDb* db_;
};

} // namespace tafel::storage
