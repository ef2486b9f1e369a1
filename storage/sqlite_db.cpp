#include "storage/sqlite_db.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <limits>

namespace tafel::storage {

Error sqlite_error(sqlite3* db, int rc, std::string_view what) {
    // The connection's message is more specific ("UNIQUE constraint failed: recordings.id")
    // than sqlite3_errstr(rc), but only when it belongs to this result code.
    std::string detail = sqlite3_errstr(rc);
    if (db != nullptr && sqlite3_extended_errcode(db) == rc) detail = sqlite3_errmsg(db);
    const std::string message = fmt::format("{}: {} (sqlite {})", what, detail, rc);
    switch (rc) {
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_UNIQUE: return Error{Errc::already_exists, message};
    case SQLITE_CONSTRAINT_FOREIGNKEY: return Error{Errc::not_found, message};
    default: break;
    }
    switch (rc & 0xff) { // primary result code
    case SQLITE_FULL: return Error{Errc::no_space, message};
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY: return Error{Errc::io, message};
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
    case SQLITE_TOOBIG: return Error{Errc::invalid_argument, message};
    case SQLITE_MISUSE: return Error{Errc::internal, message};
    default: return Error{Errc::database, message};
    }
}

void SqliteCloser::operator()(sqlite3* db) const noexcept {
    // Every Statement is finalized before its connection goes (the catalog owns both and
    // statements never outlive a call), so sqlite3_close cannot be left with SQLITE_BUSY.
    sqlite3_close(db);
}

void StatementFinalizer::operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }

void Statement::remember(int rc, int index) {
    if (rc != SQLITE_OK && !bind_error_)
        bind_error_ = sqlite_error(db_, rc, fmt::format("bind parameter {} of \"{}\"", index, sql_));
}

Statement& Statement::bind(int index, std::int64_t value) {
    remember(sqlite3_bind_int64(stmt_.get(), index, value), index);
    return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
    if (value.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
        remember(SQLITE_TOOBIG, index);
        return *this;
    }
    // A default string_view has data() == nullptr, which SQLite would bind as NULL.
    const char* text = value.data() != nullptr ? value.data() : "";
    remember(sqlite3_bind_text(stmt_.get(), index, text, static_cast<int>(value.size()),
                               SQLITE_TRANSIENT),
             index);
    return *this;
}

Statement& Statement::bind(int index, std::optional<std::int64_t> value) {
    return value ? bind(index, *value) : bind_null(index);
}

Statement& Statement::bind_null(int index) {
    remember(sqlite3_bind_null(stmt_.get(), index), index);
    return *this;
}

Result<bool> Statement::step() {
    if (bind_error_) return std::unexpected(*bind_error_);
    const int rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return std::unexpected(sqlite_error(db_, rc, fmt::format("\"{}\"", sql_)));
}

Result<void> Statement::run() {
    for (;;) {
        auto row = step();
        if (!row) return std::unexpected(row.error());
        if (!*row) return {};
    }
}

std::int64_t Statement::column_int64(int column) const {
    return sqlite3_column_int64(stmt_.get(), column);
}

std::string Statement::column_text(int column) const {
    const auto* text = sqlite3_column_text(stmt_.get(), column);
    if (text == nullptr) return {};
    const int bytes = sqlite3_column_bytes(stmt_.get(), column);
    return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(bytes));
}

bool Statement::column_is_null(int column) const {
    return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

Result<SqliteDb> SqliteDb::open(const std::string& path) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                   nullptr);
    // sqlite3_open_v2 hands out a connection even on failure; it must still be closed.
    std::unique_ptr<sqlite3, SqliteCloser> owned(raw);
    if (rc != SQLITE_OK) return std::unexpected(sqlite_error(raw, rc, fmt::format("open {}", path)));
    sqlite3_extended_result_codes(raw, 1);
    return SqliteDb(owned.release(), path);
}

Result<void> SqliteDb::exec(std::string_view sql) {
    const std::string text(sql);
    const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK)
        return std::unexpected(sqlite_error(db_.get(), rc, fmt::format("\"{}\" on {}", text, path_)));
    return {};
}

Result<Statement> SqliteDb::prepare(std::string_view sql) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(raw);
        return std::unexpected(sqlite_error(db_.get(), rc, fmt::format("prepare \"{}\"", sql)));
    }
    return Statement(db_.get(), raw, std::string(sql));
}

std::int64_t SqliteDb::changes() const { return sqlite3_changes(db_.get()); }

std::int64_t SqliteDb::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_.get()); }

Result<Transaction> Transaction::begin_immediate(SqliteDb& db) {
    if (auto ok = db.exec("BEGIN IMMEDIATE"); !ok) return std::unexpected(ok.error());
    return Transaction(&db);
}

Result<void> Transaction::commit() {
    if (db_ == nullptr) return fail(Errc::internal, "commit of a finished transaction");
    auto ok = db_->exec("COMMIT");
    if (ok) db_ = nullptr; // on failure the destructor rolls back
    return ok;
}

Transaction::~Transaction() {
    if (db_ != nullptr) (void)db_->exec("ROLLBACK");
}

} // namespace tafel::storage
