// `tafel jobs list|show|submit|cancel|retry|purge` through the real binary, on a SQLite catalog
// prepared through tafel::storage (the PostgreSQL side of the same calls: tests/storage).
#include "child_process.hpp"
#include "data_dir.hpp"
#include "ingest/raw_recording.hpp"
#include "storage/catalog.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <filesystem>

using namespace std::chrono_literals;
using tafel::test::run_command;

namespace {

tafel::test::CommandResult tafel_jobs(const tafel::test::DataDir& dir, std::vector<std::string> args) {
    std::vector<std::string> argv{TAFEL_EXECUTABLE, "jobs"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--data-dir");
    argv.push_back(dir.path.string());
    return run_command(argv);
}

} // namespace

TEST_CASE("tafel jobs: list with progress, show, cancel, retry, purge", "[e2e]") {
    tafel::test::DataDir dir("tafel-queue-cli-");
    auto catalog = tafel::storage::Catalog::open("sqlite:" + (dir.path / "tafel.db").string()).value();
    tafel::storage::RecordingRow r;
    r.id = "rec1";
    r.meeting_id = "m";
    r.title = "Mathe 7b";
    REQUIRE(catalog->put_recording(r).has_value());
    const auto running = catalog->enqueue("rec1", "render").value();
    REQUIRE(catalog->claim("host-a-0", 60s).value()->id == running);
    REQUIRE(catalog->heartbeat(running, "host-a-0", 60s, 500).has_value());
    const auto queued = catalog->enqueue("rec1", "thumbnails", 10).value();

    auto list = tafel_jobs(dir, {"list"});
    REQUIRE(list.status == 0);
    CHECK_THAT(list.out, Catch::Contains(fmt::format("{:>6} render", running)));
    CHECK_THAT(list.out, Catch::Contains("running"));
    CHECK_THAT(list.out, Catch::Contains("50%"));
    CHECK_THAT(list.out, Catch::Contains("host-a-0"));
    CHECK_THAT(list.out, Catch::Contains(fmt::format("{:>6} thumbnails", queued)));

    auto show = tafel_jobs(dir, {"show", std::to_string(running)});
    REQUIRE(show.status == 0);
    CHECK_THAT(show.out, Catch::Contains("recording  rec1"));
    CHECK_THAT(show.out, Catch::Contains("progress   50%"));
    auto of_recording = tafel_jobs(dir, {"show", "rec1"});
    REQUIRE(of_recording.status == 0);
    CHECK_THAT(of_recording.out, Catch::Contains("thumbnails"));

    REQUIRE(tafel_jobs(dir, {"cancel", std::to_string(queued)}).status == 0);
    CHECK(catalog->job(queued).value()->state == tafel::storage::JobState::cancelled);
    CHECK(tafel_jobs(dir, {"cancel", std::to_string(queued)}).status != 0); // already final
    CHECK(tafel_jobs(dir, {"cancel", "99999"}).status != 0);

    REQUIRE(tafel_jobs(dir, {"retry", std::to_string(queued)}).status == 0);
    CHECK(catalog->job(queued).value()->state == tafel::storage::JobState::queued);

    REQUIRE(catalog->succeed(running, "host-a-0").has_value());
    auto purge = tafel_jobs(dir, {"purge", "--older-than", "0"});
    REQUIRE(purge.status == 0);
    CHECK_THAT(purge.out, Catch::Contains("purged 1 jobs"));
    CHECK(catalog->job(running).value() == std::nullopt);
    CHECK(catalog->job(queued).value().has_value());
}

TEST_CASE("tafel jobs submit: a raw recording made elsewhere gets its render and its audio-only preview", "[e2e]") {
    tafel::test::DataDir dir("tafel-queue-cli-");
    tafel::ingest::RecordingInfo info;
    info.id = "imported-lesson";
    info.meeting = {"m-imp", "Chemie 10a", "klasse-10a"};
    info.started = tafel::WallTime{1'700'000'000'000'000};
    const auto raw = dir.path / "raw" / info.id;
    std::filesystem::create_directories(raw);
    REQUIRE(tafel::ingest::write_recording_info(raw, info).has_value());
    CHECK(tafel_jobs(dir, {"submit", info.id}).status != 0); // still recording: refused
    CHECK(tafel_jobs(dir, {"submit", "no-such-lesson"}).status != 0);

    info.stopped = tafel::WallTime{1'700'000'060'000'000};
    REQUIRE(tafel::ingest::write_recording_info(raw, info).has_value());
    const auto submitted = tafel_jobs(dir, {"submit", info.id});
    INFO(submitted.out);
    REQUIRE(submitted.status == 0);
    CHECK_THAT(submitted.out, Catch::Contains("audio-only preview job"));
    auto catalog = tafel::storage::Catalog::open("sqlite:" + (dir.path / "tafel.db").string()).value();
    const auto row = catalog->recording(info.id).value();
    REQUIRE(row.has_value());
    CHECK(row->state == tafel::storage::RecordingState::stopped);
    CHECK(row->title == "Chemie 10a");
    const auto jobs = catalog->jobs_of(info.id).value();
    REQUIRE(jobs.size() == 2);
    CHECK(jobs[0].kind == "render");
    CHECK(jobs[1].kind == "preview");
    CHECK(jobs[1].priority == tafel::storage::k_priority_light);
}
