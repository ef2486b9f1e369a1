#pragma once
// Owners of SQLite handles (a connection, a prepared statement, a transaction) and the one
// function that turns SQLite result codes into tafel::Error. Private to storage/: sqlite3.h
// is included only by the .cpp files.
#include "core/error.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

struct sqlite3;
struct sqlite3_stmt;

namespace tafel::storage {

// The one translation of SQLite's (extended) result codes; `what` names the statement or
// file that failed. Constraint violations map to already_exists/not_found so that callers
// can tell "duplicate id" and "no such recording" from a broken database.
Error sqlite_error(sqlite3* db, int rc, std::string_view what);

struct SqliteCloser {
    void operator()(sqlite3* db) const noexcept;
};
struct StatementFinalizer {
    void operator()(sqlite3_stmt* stmt) const noexcept;
};

// One prepared statement. Binds are 1-based as in SQLite; a failed bind is remembered and
// reported by the next step() so that call sites can chain binds without checking each.
class Statement {
public:
    Statement(sqlite3* db, sqlite3_stmt* stmt, std::string sql)
        : db_(db), stmt_(stmt), sql_(std::move(sql)) {}

    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, std::string_view value);
    Statement& bind(int index, std::optional<std::int64_t> value);
    Statement& bind_null(int index);

    // True while a row is available, false once the statement is done.
    Result<bool> step();
    // Steps to completion; for statements that return no rows.
    Result<void> run();

    std::int64_t column_int64(int column) const;
    std::string column_text(int column) const;
    bool column_is_null(int column) const;

private:
    void remember(int rc, int index);

    sqlite3* db_;
    std::unique_ptr<sqlite3_stmt, StatementFinalizer> stmt_;
    std::string sql_;
    std::optional<Error> bind_error_;
};

// One connection (move-only).
class SqliteDb {
public:
    // Opens or creates the database file (not its folder). ":memory:" works too.
    static Result<SqliteDb> open(const std::string& path);

    Result<void> exec(std::string_view sql);
    Result<Statement> prepare(std::string_view sql);
    std::int64_t changes() const;
    std::int64_t last_insert_rowid() const;
    sqlite3* handle() const { return db_.get(); }
    const std::string& path() const { return path_; }

private:
    SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

    std::unique_ptr<sqlite3, SqliteCloser> db_;
    std::string path_;
};

// A write transaction taken with BEGIN IMMEDIATE, so the write lock is held from the start
// and two writers never both read-then-write (SQLite "Transaction" docs, section 2.2: a
// deferred read transaction that upgrades would fail with SQLITE_BUSY without waiting).
// Rolls back unless commit() succeeded.
class Transaction {
public:
    static Result<Transaction> begin_immediate(SqliteDb& db);

    Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
    Transaction& operator=(Transaction&&) = delete;
    Transaction(const Transaction&) = delete;
    ~Transaction();

    Result<void> commit();

private:
    explicit Transaction(SqliteDb* db) : db_(db) {}
    SqliteDb* db_;
};

} // namespace tafel::storage
