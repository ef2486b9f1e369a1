#include "storage/catalog.hpp"
#include "storage/migrations.hpp"
#include "storage/sqlite_db.hpp"
#include "storage/pg_db.hpp"
#include "test_database.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

using namespace tafel;
using namespace tafel::storage;
using tafel::storage::test::Backend;
using tafel::storage::test::sqlite_url_in;
using tafel::storage::test::TestDatabase;
using tafel::test::TempDir;

namespace {

RecordingRow row(std::string id, std::string context, std::int64_t started_utc_us) {
    RecordingRow r;
    r.id = std::move(id);
    r.meeting_id = "meeting-" + r.id;
    r.title = "Mathe " + r.id;
    r.context = std::move(context);
    r.state = RecordingState::stopped;
    r.started_utc_us = started_utc_us;
    return r;
}

std::unique_ptr<Catalog> open_catalog(const std::string& url) {
    auto catalog = Catalog::open(url);
    INFO((catalog ? std::string() : catalog.error().describe()));
    REQUIRE(catalog.has_value());
    return std::move(*catalog);
}

std::unique_ptr<Catalog> open_catalog(const TempDir& dir) { return open_catalog(sqlite_url_in(dir.path())); }

std::int64_t scalar(SqliteDb& db, const std::string& sql) {
    auto stmt = db.prepare(sql);
    REQUIRE(stmt.has_value());
    auto row = stmt->step();
    REQUIRE(row.has_value());
    REQUIRE(*row);
    return stmt->column_int64(0);
}

// One number from either backend's database, read behind the catalog's back.
std::int64_t scalar(const TestDatabase& db, const std::string& sql) {
    if (db.backend() == Backend::sqlite) {
        auto file = SqliteDb::open(db.url().substr(std::string_view("sqlite:").size()));
        REQUIRE(file.has_value());
        return scalar(*file, sql);
    }
    auto conn = PgDb::connect(db.url());
    REQUIRE(conn.has_value());
    auto result = conn->query(sql);
    REQUIRE(result.has_value());
    REQUIRE(result->rows() == 1);
    return result->int64(0, 0);
}

} // namespace

TEST_CASE("open creates the folder and the database file in WAL mode", "[integration]") {
    TempDir dir;
    auto catalog = open_catalog(dir);
    const auto file = dir.path() / "data" / "tafel.db";
    CHECK(std::filesystem::is_regular_file(file));
    REQUIRE(catalog->put_recording(row("r1", "klasse-7b", 1)).has_value());
    // WAL mode keeps a -wal file beside the database while a connection is open.
    CHECK(std::filesystem::exists(file.string() + "-wal"));
}

TEST_CASE("unsupported catalog URLs are refused and named", "[unit]") {
    for (const std::string url : {"mysql://db/tafel", "tafel.db", "mysql:x"}) {
        auto catalog = Catalog::open(url);
        REQUIRE_FALSE(catalog.has_value());
        CHECK(catalog.error().code == Errc::unsupported);
        CHECK_THAT(catalog.error().message, Catch::Contains(url));
    }
    auto empty = Catalog::open("sqlite:");
    REQUIRE_FALSE(empty.has_value());
    CHECK(empty.error().code == Errc::invalid_argument);
}

TEST_CASE("recordings: insert, read back, replace, update state", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    TestDatabase db(backend);
    auto catalog = open_catalog(db.url());

    CHECK(catalog->recording("missing").value() == std::nullopt);

    auto r = row("r1", "klasse-7b", 1'700'000'000'000'000);
    r.title = "Brüche – Mathe 7b";
    REQUIRE(catalog->put_recording(r).has_value());
    auto back = catalog->recording("r1").value();
    REQUIRE(back.has_value());
    CHECK(back->title == "Brüche – Mathe 7b");
    CHECK(back->meeting_id == "meeting-r1");
    CHECK(back->context == "klasse-7b");
    CHECK(back->state == RecordingState::stopped);
    CHECK(back->started_utc_us == 1'700'000'000'000'000);

    r.title = "renamed";
    REQUIRE(catalog->put_recording(r).has_value());
    CHECK(catalog->recording("r1").value()->title == "renamed");
    CHECK(catalog->list_recordings().value().size() == 1);

    REQUIRE(catalog->set_recording_state("r1", RecordingState::published, {}, 120'000).has_value());
    back = catalog->recording("r1").value();
    CHECK(back->state == RecordingState::published);
    CHECK(back->duration_ms == 120'000);

    // Without a duration the known one stays; the error is recorded.
    REQUIRE(catalog->set_recording_state("r1", RecordingState::failed, "decoder broke").has_value());
    back = catalog->recording("r1").value();
    CHECK(back->state == RecordingState::failed);
    CHECK(back->error == "decoder broke");
    CHECK(back->duration_ms == 120'000);

    auto missing = catalog->set_recording_state("nope", RecordingState::stopped);
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().code == Errc::not_found);
    CHECK_THAT(missing.error().message, Catch::Contains("nope"));
}

TEST_CASE("recording ids that are not safe path segments are refused", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    TestDatabase db(backend);
    auto catalog = open_catalog(db.url());
    auto bad = catalog->put_recording(row("../etc", "c", 1));
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().code == Errc::invalid_argument);
    CHECK_THAT(bad.error().message, Catch::Contains("../etc"));
}

TEST_CASE("list_recordings: newest first, filtered by context", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    TestDatabase db(backend);
    auto catalog = open_catalog(db.url());
    REQUIRE(catalog->put_recording(row("old", "klasse-7b", 100)).has_value());
    REQUIRE(catalog->put_recording(row("new", "klasse-7b", 300)).has_value());
    REQUIRE(catalog->put_recording(row("other", "klasse-9a", 200)).has_value());

    auto all = catalog->list_recordings().value();
    REQUIRE(all.size() == 3);
    CHECK(all[0].id == "new");
    CHECK(all[1].id == "other");
    CHECK(all[2].id == "old");

    auto seventh = catalog->list_recordings("klasse-7b").value();
    REQUIRE(seventh.size() == 2);
    CHECK(seventh[0].id == "new");
    CHECK(seventh[1].id == "old");
    CHECK(catalog->list_recordings("klasse-5c").value().empty());
}

TEST_CASE("delete_recording removes the row and its jobs", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    TestDatabase db(backend);
    auto catalog = open_catalog(db.url());
    REQUIRE(catalog->put_recording(row("r1", "c", 1)).has_value());
    REQUIRE(catalog->put_recording(row("r2", "c", 2)).has_value());
    const auto job = catalog->enqueue("r1", "render").value();
    REQUIRE(catalog->enqueue("r2", "render").has_value());

    REQUIRE(catalog->delete_recording("r1").has_value());
    CHECK(catalog->recording("r1").value() == std::nullopt);
    CHECK(catalog->job(job).value() == std::nullopt);
    CHECK(catalog->jobs_of("r1").value().empty());
    CHECK(catalog->jobs_of("r2").value().size() == 1);

    auto again = catalog->delete_recording("r1");
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error().code == Errc::not_found);
}

TEST_CASE("migrations run once: reopening keeps data and the schema version", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    TestDatabase db(backend);
    {
        auto catalog = open_catalog(db.url());
        REQUIRE(catalog->put_recording(row("r1", "c", 1)).has_value());
    }
    {
        auto catalog = open_catalog(db.url());
        CHECK(catalog->recording("r1").value().has_value());
    }
    const auto newest = static_cast<std::int64_t>(migrations().back().version);
    CHECK(newest >= 2);
    CHECK(scalar(db, "SELECT COUNT(*) FROM schema_version") == newest);
    CHECK(scalar(db, "SELECT MAX(version) FROM schema_version") == newest);
    // The same tables and columns on both backends: every job column the code reads.
    CHECK(scalar(db, "SELECT COUNT(started_utc_us) FROM jobs") == 0);
}

TEST_CASE("a PostgreSQL catalog that cannot be reached names the server", "[integration]") {
    // Port 1 on localhost: nobody listens there.
    auto catalog = Catalog::open("postgresql://tafel@127.0.0.1:1/tafel?connect_timeout=2");
    REQUIRE_FALSE(catalog.has_value());
    CHECK(catalog.error().code == Errc::network);
    CHECK_THAT(catalog.error().message, Catch::Contains("127.0.0.1:1"));
}

TEST_CASE("a database from a newer tafel is refused", "[integration]") {
    TempDir dir;
    { open_catalog(dir); }
    {
        auto db = SqliteDb::open((dir.path() / "data" / "tafel.db").string());
        REQUIRE(db.has_value());
        REQUIRE(db->exec("INSERT INTO schema_version (version, name, applied_utc_us) VALUES (99, 'future', 0)")
                    .has_value());
    }
    auto catalog = Catalog::open(sqlite_url_in(dir.path()));
    REQUIRE_FALSE(catalog.has_value());
    CHECK(catalog.error().code == Errc::unsupported);
    CHECK_THAT(catalog.error().message, Catch::Contains("99"));
}
