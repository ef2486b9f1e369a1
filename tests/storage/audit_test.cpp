// The audit log (issue 9) on both backends: append and query, and that nothing — neither
// the Catalog interface nor SQL behind its back — can change or remove an entry.
#include "storage/catalog.hpp"
#include "storage/pg_db.hpp"
#include "storage/sqlite_db.hpp"
#include "test_database.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <memory>

using namespace tafel;
using namespace tafel::storage;
using tafel::storage::test::Backend;
using tafel::storage::test::TestDatabase;

namespace {

constexpr std::int64_t k_t0 = 1'700'000'000'000'000; // UTC µs

struct Fixture {
    TestDatabase db;
    std::shared_ptr<std::int64_t> now = std::make_shared<std::int64_t>(k_t0);
    std::unique_ptr<Catalog> catalog;

    explicit Fixture(Backend backend) : db(backend) {
        auto opened = Catalog::open(db.url(), [clock = now] { return *clock; });
        INFO((opened ? std::string() : opened.error().describe()));
        REQUIRE(opened.has_value());
        catalog = std::move(*opened);
    }

    std::int64_t append(const std::string& actor, const std::string& action, const std::string& recording,
                        std::string details = "{}") {
        AuditEntry e;
        e.actor = actor;
        e.action = action;
        e.recording_id = recording;
        e.details = std::move(details);
        auto id = catalog->append_audit(e);
        INFO((id ? std::string() : id.error().describe()));
        REQUIRE(id.has_value());
        return *id;
    }

    // Runs one statement behind the catalog's back; the error text when it was refused.
    std::optional<std::string> raw_sql(const std::string& sql) {
        if (db.backend() == Backend::sqlite) {
            auto file = SqliteDb::open(db.url().substr(std::string_view("sqlite:").size()));
            REQUIRE(file.has_value());
            auto ok = file->exec(sql);
            if (ok) return std::nullopt;
            return ok.error().message;
        }
        auto conn = PgDb::connect(db.url());
        REQUIRE(conn.has_value());
        auto ok = conn->exec(sql);
        if (ok) return std::nullopt;
        return ok.error().message;
    }
};

} // namespace

TEST_CASE("audit: entries are appended with the catalog's time and queried oldest first", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    Fixture f(backend);
    const auto first = f.append("recorder", "created", "rec1");
    *f.now += 1000;
    const auto second = f.append("worker-0", "published", "rec1", R"({"job": 7})");
    *f.now += 1000;
    f.append("cli:lehrer", "deleted", "rec2", R"({"reason": "request"})");
    CHECK(second > first);

    auto all = f.catalog->audit({}).value();
    REQUIRE(all.size() == 3);
    CHECK(all[0].action == "created");
    CHECK(all[0].at_utc_us == k_t0);
    CHECK(all[1].actor == "worker-0");
    CHECK(nlohmann::json::parse(all[1].details).at("job") == 7);
    CHECK(all[2].recording_id == "rec2");
    CHECK(all[2].at_utc_us == k_t0 + 2000);

    AuditFilter of_rec1;
    of_rec1.recording_id = "rec1";
    CHECK(f.catalog->audit(of_rec1).value().size() == 2);
    AuditFilter deletions;
    deletions.action = "deleted";
    REQUIRE(f.catalog->audit(deletions).value().size() == 1);
    AuditFilter recent;
    recent.since_utc_us = k_t0 + 1000;
    CHECK(f.catalog->audit(recent).value().size() == 2);
    AuditFilter newest_two;
    newest_two.limit = 2;
    auto two = f.catalog->audit(newest_two).value();
    REQUIRE(two.size() == 2);
    CHECK(two[0].action == "published"); // the newest two, still oldest first
    CHECK(two[1].action == "deleted");
}

TEST_CASE("audit: unknown actions, missing actors and non-object details are refused", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    Fixture f(backend);
    AuditEntry e;
    e.actor = "cli";
    e.action = "viewed"; // views are deliberately not audited
    CHECK(f.catalog->append_audit(e).error().code == Errc::invalid_argument);
    e.action = "shared";
    e.details = "[1, 2]";
    auto bad = f.catalog->append_audit(e);
    REQUIRE_FALSE(bad.has_value());
    CHECK_THAT(bad.error().message, Catch::Contains("JSON object"));
    e.details = "{}";
    e.actor.clear();
    CHECK(f.catalog->append_audit(e).error().code == Errc::invalid_argument);
    CHECK(f.catalog->audit({}).value().empty());
}

TEST_CASE("audit: the database refuses to change or delete entries, even behind the catalog", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    Fixture f(backend);
    f.append("cli:lehrer", "downloaded", "rec1", R"({"file": "lesson.mp4"})");

    auto refused = f.raw_sql("UPDATE audit_log SET actor = 'someone else'");
    REQUIRE(refused.has_value());
    CHECK_THAT(*refused, Catch::Contains("append-only"));
    refused = f.raw_sql("DELETE FROM audit_log");
    REQUIRE(refused.has_value());
    CHECK_THAT(*refused, Catch::Contains("append-only"));
    if (backend == Backend::postgres) {
        refused = f.raw_sql("TRUNCATE audit_log");
        REQUIRE(refused.has_value());
        CHECK_THAT(*refused, Catch::Contains("append-only"));
    }
    auto after = f.catalog->audit({}).value();
    REQUIRE(after.size() == 1);
    CHECK(after[0].actor == "cli:lehrer");
    // Appending still works after the refusals.
    f.append("cli:lehrer", "shared", "rec1");
    CHECK(f.catalog->audit({}).value().size() == 2);
}
