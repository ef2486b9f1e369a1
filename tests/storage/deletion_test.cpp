// storage::delete_everywhere (issue 9) on both backends: every file and row of one recording
// goes at once, jobs are cancelled first, nothing of any other recording is touched, a
// second deletion is a no-op, and the deletion is audited.
#include "storage/catalog.hpp"
#include "storage/layout.hpp"
#include "storage/recording_deletion.hpp"
#include "test_database.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>

using namespace tafel;
using namespace tafel::storage;
using tafel::storage::test::Backend;
using tafel::storage::test::TestDatabase;
using tafel::test::TempDir;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& path, std::size_t bytes) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out << std::string(bytes, 'x');
    REQUIRE(out.good());
}

// raw/, published/ and tmp/ folders for one recording, as recorder, worker and publish make them.
void make_files(const Layout& layout, const std::string& id) {
    write_file(layout.raw_dir(id) / "recording.json", 100);
    write_file(layout.raw_dir(id) / "tracks" / "t1.pcap", 1000);
    write_file(layout.published_dir(id) / "lesson.webm", 2000);
    write_file(layout.tmp_root() / (id + "-7-0123abcd") / "lesson.mp4", 300);
    write_file(layout.tmp_root() / (id + "-replaced-89abcdef") / "lesson.mp4", 30);
}

RecordingRow row(const std::string& id, RecordingState state) {
    RecordingRow r;
    r.id = id;
    r.meeting_id = "m-" + id;
    r.title = "Mathe";
    r.context = "klasse-7b";
    r.state = state;
    r.started_utc_us = 1'700'000'000'000'000;
    return r;
}

std::size_t count_files(const fs::path& root) {
    std::size_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(root))
        if (e.is_regular_file() && e.path().filename() != "tafel.db" &&
            !e.path().filename().string().starts_with("tafel.db-"))
            ++n;
    return n;
}

} // namespace

TEST_CASE("delete_everywhere removes one recording's files, rows and jobs and nothing else", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    TestDatabase db(backend);
    TempDir data;
    const Layout layout(data.path());
    REQUIRE(layout.ensure().has_value());
    auto catalog = std::move(Catalog::open(db.url()).value());

    const std::string doomed = "aaaa-1700000000000";
    // Shares a prefix with the doomed id, so that prefix matching would wrongly take it.
    const std::string kept = "aaaa-17000000000001";
    for (const auto& id : {doomed, kept}) {
        REQUIRE(catalog->put_recording(row(id, RecordingState::processing)).has_value());
        make_files(layout, id);
    }
    const auto running = catalog->enqueue(doomed, "render").value();
    REQUIRE(catalog->claim("w1", 30s).value().value().id == running);
    const auto queued = catalog->enqueue(doomed, "render").value();
    const auto other_job = catalog->enqueue(kept, "render").value();
    const auto files_of_kept = count_files(data.path()) / 2;

    auto outcome = delete_everywhere(*catalog, layout, {doomed, "cli:lehrer", "request"});
    INFO((outcome ? std::string() : outcome.error().describe()));
    REQUIRE(outcome.has_value());
    CHECK(outcome->existed);
    CHECK(outcome->jobs_cancelled == 2);
    CHECK(outcome->bytes_freed == 100 + 1000 + 2000);

    CHECK(layout.leftovers(doomed).empty());
    CHECK(catalog->recording(doomed).value() == std::nullopt);
    CHECK(catalog->jobs_of(doomed).value().empty());
    CHECK(catalog->job(running).value() == std::nullopt);
    CHECK(catalog->job(queued).value() == std::nullopt);
    // The worker that held the lease learns it at its next heartbeat.
    CHECK_FALSE(catalog->heartbeat(running, "w1", 30s, 500).has_value());

    // Everything of the other recording is still there.
    CHECK(catalog->recording(kept).value().has_value());
    CHECK(catalog->job(other_job).value().value().state == JobState::queued);
    CHECK(layout.leftovers(kept).size() == 4);
    CHECK(count_files(data.path()) == files_of_kept);

    AuditFilter deletions;
    deletions.action = "deleted";
    auto audited = catalog->audit(deletions).value();
    REQUIRE(audited.size() == 1);
    CHECK(audited[0].recording_id == doomed);
    CHECK(audited[0].actor == "cli:lehrer");
    CHECK(nlohmann::json::parse(audited[0].details).at("reason") == "request");

    SECTION("a second deletion succeeds and changes nothing") {
        auto again = delete_everywhere(*catalog, layout, {doomed, "cli:lehrer", "request"});
        REQUIRE(again.has_value());
        CHECK_FALSE(again->existed);
        CHECK(catalog->audit(deletions).value().size() == 1);
        CHECK(count_files(data.path()) == files_of_kept);
    }
}

TEST_CASE("delete_everywhere removes files of a recording the catalog no longer knows", "[integration]") {
    TestDatabase db(Backend::sqlite);
    TempDir data;
    const Layout layout(data.path());
    auto catalog = std::move(Catalog::open(db.url()).value());
    make_files(layout, "orphan-1");
    auto outcome = delete_everywhere(*catalog, layout, {"orphan-1", "retention", "orphaned files"});
    REQUIRE(outcome.has_value());
    CHECK(outcome->existed);
    CHECK(layout.leftovers("orphan-1").empty());
}

TEST_CASE("delete_everywhere refuses a recording that is still being recorded and unsafe ids", "[integration]") {
    TestDatabase db(Backend::sqlite);
    TempDir data;
    const Layout layout(data.path());
    auto catalog = std::move(Catalog::open(db.url()).value());
    REQUIRE(catalog->put_recording(row("live-1", RecordingState::recording)).has_value());
    make_files(layout, "live-1");
    auto refused = delete_everywhere(*catalog, layout, {"live-1", "cli", "request"});
    REQUIRE_FALSE(refused.has_value());
    CHECK_THAT(refused.error().message, Catch::Contains("still being recorded"));
    CHECK(layout.leftovers("live-1").size() == 4);
    CHECK(delete_everywhere(*catalog, layout, {"../etc", "cli", "request"}).error().code == Errc::invalid_argument);
}
