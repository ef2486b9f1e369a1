#pragma once
// The backends every queue and catalog test runs against, and a fresh empty database for
// one test on either: a SQLite file in a temp folder, or a new database on the test
// PostgreSQL server (pg_server.cpp).
#include "temp_dir.hpp"

#include <string>

namespace tafel::storage::test {

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
    const TempDir& dir() const { return dir_; }

private:
    Backend backend_;
    TempDir dir_;
    std::string url_;
};

} // namespace tafel::storage::test
