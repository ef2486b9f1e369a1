#include "storage/pg_db.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace tafel::storage {

namespace {

// The one translation of PostgreSQL errors (SQLSTATE classes, PostgreSQL 15 manual,
// appendix A). Unique/foreign-key violations map like SQLite's constraint codes so that
// both backends answer "duplicate id" and "no such recording" alike.
Error pg_error(pg_conn* conn, const pg_result* result, std::string_view what) {
    const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    std::string detail = result != nullptr ? PQresultErrorMessage(result) : "";
    if (detail.empty() && conn != nullptr) detail = PQerrorMessage(conn);
    while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) detail.pop_back();
    const std::string sqlstate = state != nullptr ? state : "";
    const std::string message =
        fmt::format("{}: {}{}", what, detail, sqlstate.empty() ? "" : fmt::format(" (sqlstate {})", sqlstate));
    if (sqlstate == "23505") return Error{Errc::already_exists, message};
    if (sqlstate == "23503") return Error{Errc::not_found, message};
    if (sqlstate == "53100") return Error{Errc::no_space, message};
    if (sqlstate == "57014") return Error{Errc::cancelled, message};
    if (sqlstate.starts_with("08") || sqlstate.empty()) return Error{Errc::network, message};
    if (sqlstate.starts_with("22") || sqlstate.starts_with("23")) return Error{Errc::invalid_argument, message};
    return Error{Errc::database, message};
}

// The URL without its password, for messages.
std::string describe_conn(pg_conn* conn) {
    if (conn == nullptr) return "PostgreSQL";
    const char* host = PQhost(conn);
    const char* port = PQport(conn);
    const char* db = PQdb(conn);
    return fmt::format("postgresql://{}:{}/{}", host ? host : "", port ? port : "", db ? db : "");
}

} // namespace

void PgFinisher::operator()(pg_conn* conn) const noexcept { PQfinish(conn); }
void PgClearer::operator()(pg_result* result) const noexcept { PQclear(result); }

int PgResult::rows() const { return PQntuples(result_.get()); }

std::string PgResult::text(int row, int column) const {
    const char* value = PQgetvalue(result_.get(), row, column);
    return std::string(value, static_cast<std::size_t>(PQgetlength(result_.get(), row, column)));
}

std::int64_t PgResult::int64(int row, int column) const {
    const char* value = PQgetvalue(result_.get(), row, column);
    const int length = PQgetlength(result_.get(), row, column);
    std::int64_t out = 0;
    std::from_chars(value, value + length, out); // NULL reads as "" and stays 0
    return out;
}

std::int64_t PgResult::affected() const {
    const char* tuples = PQcmdTuples(result_.get());
    std::int64_t out = 0;
    std::from_chars(tuples, tuples + std::strlen(tuples), out);
    return out;
}

Result<PgDb> PgDb::connect(const std::string& url) {
    std::unique_ptr<pg_conn, PgFinisher> conn(PQconnectdb(url.c_str()));
    if (!conn) return tafel::fail(Errc::internal, "PQconnectdb: out of memory");
    if (PQstatus(conn.get()) != CONNECTION_OK) {
        return tafel::fail(Errc::network, fmt::format("connect to {}: {}", describe_conn(conn.get()),
                                                      pg_error(conn.get(), nullptr, "connect").message));
    }
    // Warnings (e.g. "relation already exists, skipping") are not the caller's concern.
    PQsetNoticeProcessor(conn.get(), [](void*, const char*) {}, nullptr);
    return PgDb(conn.release(), url);
}

Result<void> PgDb::ensure_connected() {
    if (PQstatus(conn_.get()) == CONNECTION_OK) return {};
    PQreset(conn_.get());
    if (PQstatus(conn_.get()) != CONNECTION_OK)
        return std::unexpected(pg_error(conn_.get(), nullptr, fmt::format("reconnect to {}", describe_conn(conn_.get()))));
    return {};
}

Result<void> PgDb::exec(std::string_view sql) {
    if (auto ok = ensure_connected(); !ok) return ok;
    const std::string text(sql);
    std::unique_ptr<pg_result, PgClearer> result(PQexec(conn_.get(), text.c_str()));
    const auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        return std::unexpected(pg_error(conn_.get(), result.get(), fmt::format("\"{}\"", text)));
    return {};
}

Result<PgResult> PgDb::query(std::string_view sql, std::initializer_list<PgParam> params) {
    if (auto ok = ensure_connected(); !ok) return std::unexpected(ok.error());
    const std::string text(sql);
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    std::unique_ptr<pg_result, PgClearer> result(PQexecParams(conn_.get(), text.c_str(),
                                                              static_cast<int>(values.size()), nullptr,
                                                              values.data(), nullptr, nullptr, 0));
    const auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        return std::unexpected(pg_error(conn_.get(), result.get(), fmt::format("\"{}\"", text)));
    return PgResult(result.release());
}

bool PgDb::drain_notifications() {
    bool any = false;
    while (PGnotify* n = PQnotifies(conn_.get())) {
        any = true;
        PQfreemem(n);
    }
    return any;
}

Result<bool> PgDb::wait_for_notification(std::chrono::milliseconds timeout) {
    if (auto ok = ensure_connected(); !ok) return std::unexpected(ok.error());
    // Notifications that arrived with an earlier result count too (libpq docs, 34.9).
    if (PQconsumeInput(conn_.get()) == 0)
        return std::unexpected(pg_error(conn_.get(), nullptr, "read notifications"));
    if (drain_notifications()) return true;
    pollfd fd{PQsocket(conn_.get()), POLLIN, 0};
    if (fd.fd < 0) return std::unexpected(pg_error(conn_.get(), nullptr, "wait for notifications"));
    const int ready = ::poll(&fd, 1, static_cast<int>(timeout.count()));
    if (ready < 0 && errno != EINTR)
        return tafel::fail(Errc::io, fmt::format("poll on the PostgreSQL socket: {}", std::strerror(errno)));
    if (ready <= 0) return false;
    if (PQconsumeInput(conn_.get()) == 0)
        return std::unexpected(pg_error(conn_.get(), nullptr, "read notifications"));
    return drain_notifications();
}

Result<PgTransaction> PgTransaction::begin(PgDb& db) {
    if (auto ok = db.exec("BEGIN"); !ok) return std::unexpected(ok.error());
    return PgTransaction(&db);
}

Result<void> PgTransaction::commit() {
    if (db_ == nullptr) return tafel::fail(Errc::internal, "commit of a finished transaction");
    auto ok = db_->exec("COMMIT");
    if (ok) db_ = nullptr;
    return ok;
}

PgTransaction::~PgTransaction() {
    if (db_ != nullptr) (void)db_->exec("ROLLBACK");
}

} // namespace tafel::storage
