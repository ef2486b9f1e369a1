#pragma once
// The backends every queue and catalog test runs against, and a fresh empty database for
// one test on either: a SQLite file in a temp folder, or a new database on the test
// PostgreSQL server (pg_server.cpp).
#include "tests/support/temp_dir.hpp"

#include <filesystem>
#include <string>

namespace tafel::storage::test {

// "sqlite:<dir>/data/tafel.db": a folder that does not exist yet, to exercise creation.
inline std::string sqlite_url_in(const std::filesystem::path& dir) {
    return "sqlite:" + (dir / "data" / "tafel.db").string();
}

enum class Backend { sqlite, postgres };

inline const char* backend_name(Backend b) { return b == Backend::sqlite ? "sqlite" : "postgres"; }

// The URL of the test PostgreSQL server's maintenance database: $TAFEL_TEST_PG_URL, else the
// server CTest started ($TAFEL_TEST_PG_DIR/url), else one this process starts once and stops
// at exit. Throws (failing the test) when no server can be had.
const std::string& pg_server_url();

class TestDatabase {
public:
    explicit TestDatabase(Backend backend);
    TestDatabase(const TestDatabase&) = delete;
    TestDatabase& operator=(const TestDatabase&) = delete;

    Backend backend() const { return backend_; }
    const std::string& url() const { return url_; }
    const tafel::test::TempDir& dir() const { return dir_; }

private:
    Backend backend_;
    tafel::test::TempDir dir_{"tafel-storage"};
    std::string url_;
};

} // namespace tafel::storage::test
