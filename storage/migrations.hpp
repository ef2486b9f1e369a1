#pragma once
// Versioned schema migrations, applied in order on open and recorded in schema_version.
#include "core/error.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace tafel::storage {

class SqliteDb;

struct Migration {
    int version;              // 1, 2, 3, … without gaps
    std::string_view name;
    std::string_view sql;     // one or more statements, ';'-separated; {id_key} per dialect
};

enum class SqlDialect { sqlite, postgres };

// Every migration tafel knows, oldest first.
std::span<const Migration> migrations();
// A migration's statements in one dialect.
std::string migration_sql(const Migration& m, SqlDialect dialect);

// Brings the database to the newest version inside one BEGIN IMMEDIATE transaction, so two
// processes opening a fresh file at once apply each migration exactly once. Returns the
// version the database is at afterwards. A database newer than this build is refused
// (Errc::unsupported) rather than used with a schema we do not know.
Result<int> migrate(SqliteDb& db, std::int64_t now_utc_us);

} // namespace tafel::storage
