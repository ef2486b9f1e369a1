// Ctrl-C during `tafel reprocess` (issue 8: "Ctrl-C stops cleanly and leaves nothing
// half-published"), through the real binary: SIGINT once the first archive is published,
// then every published folder must be whole, no work or import folder may remain, the queue
// and catalog must hold nothing queued, running or processing, and the re-run must finish
// the rest and skip the finished ones.
#include "archive_builder.hpp"
#include "batch_fixture.hpp"
#include "child_process.hpp"
#include "storage/catalog.hpp"
#include "storage/checksums.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <csignal>
#include <regex>
#include <set>

using namespace tafel;
using namespace tafel::archive::test;
namespace fs = std::filesystem;

namespace {

// Recording ids of the "<outcome> <id> <archive>" lines tafel reprocess prints per archive.
std::set<std::string> ids_with_outcome(const std::string& output, const std::string& outcome) {
    std::set<std::string> ids;
    const std::regex line("(^|\n)" + outcome + " +([^ \n]+) [^\n]*archive-[0-9]+");
    for (auto it = std::sregex_iterator(output.begin(), output.end(), line); it != std::sregex_iterator(); ++it)
        ids.insert((*it)[2].str());
    return ids;
}

// Every published folder is whole: lesson, metadata.xml, and a manifest whose checksums
// match every file (metadata.xml included: it is written before publishing, not after).
std::set<std::string> check_published(const fs::path& data) {
    std::set<std::string> ids;
    for (const auto& entry : fs::directory_iterator(data / "published")) {
        const std::string id = entry.path().filename().string();
        ids.insert(id);
        INFO(id);
        CHECK(fs::file_size(entry.path() / "lesson.webm") > 0);
        CHECK(fs::is_regular_file(entry.path() / "metadata.xml"));
        auto problems = storage::verify_checksums(entry.path());
        REQUIRE(problems);
        for (const auto& p : *problems) FAIL_CHECK(storage::to_string(p.kind) << " " << p.file);
    }
    return ids;
}

} // namespace

TEST_CASE("tafel reprocess: SIGINT mid-batch exits 130 with nothing half-published - the re-run finishes the rest",
          "[integration]") {
    constexpr int k_archives = 5; // archive-00..04, all good
    TempDir tmp;
    make_batch(tmp.path(), k_archives);
    const fs::path data = tmp.path() / "data";
    const fs::path tafel_bin = fs::path(TAFEL_BINARY_DIR) / "app" / "tafel";
    REQUIRE(fs::exists(tafel_bin));
    const std::vector<std::string> argv{tafel_bin.string(),
                                        "reprocess",
                                        (tmp.path() / "archives").string(),
                                        "--data-dir",
                                        data.string(),
                                        "--formats",
                                        "webm",
                                        "--parallel",
                                        "1"};

    std::set<std::string> published_first;
    {
        test::ChildProcess first(argv, (tmp.path() / "first.stderr").string());
        // Bounded wait for a condition: the first archive published (its "ok" line).
        REQUIRE(first.wait_for_line("ok ", std::chrono::seconds(600)));
        const int status = first.stop(SIGINT, std::chrono::seconds(120));
        first.read_to_end(std::chrono::seconds(10));
        const std::string out = first.output();
        INFO(out);
        // 130 is also what a child killed by SIGINT reports: the summary proves a clean exit.
        CHECK(status == 130);
        CHECK_THAT(out, Catch::Contains("(interrupted)") && Catch::Contains("left for the next run"));
        published_first = ids_with_outcome(out, "ok");
        CHECK(published_first.size() >= 1);
        CHECK(published_first.size() < static_cast<std::size_t>(k_archives)); // something was left
        CHECK_FALSE(ids_with_outcome(out, "cancelled").empty());
    }

    CHECK(check_published(data) == published_first);
    // No render's work folder, no half import.
    CHECK(fs::is_empty(data / "tmp"));
    for (const auto& entry : fs::directory_iterator(data / "raw"))
        CHECK_FALSE(entry.path().filename().string().ends_with(".importing"));

    // The queue and catalog: nothing queued or running, nothing left "processing", published
    // exactly what is on disk.
    {
        auto catalog = storage::Catalog::open("sqlite:" + (data / "tafel.db").string());
        REQUIRE(catalog);
        auto jobs = (*catalog)->jobs(1000);
        REQUIRE(jobs);
        for (const auto& j : *jobs) {
            INFO("job " << j.id << " of " << j.recording_id);
            CHECK(j.state != storage::JobState::queued);
            CHECK(j.state != storage::JobState::running);
        }
        auto recordings = (*catalog)->list_recordings();
        REQUIRE(recordings);
        for (const auto& r : *recordings) {
            INFO(r.id);
            CHECK(r.state != storage::RecordingState::processing);
            CHECK((r.state == storage::RecordingState::published) == published_first.contains(r.id));
        }
    }

    // The re-run finishes the rest and skips the finished ones.
    test::ChildProcess second(argv, (tmp.path() / "second.stderr").string());
    const int status = second.wait(std::chrono::seconds(900));
    second.read_to_end(std::chrono::seconds(10));
    INFO(second.output());
    CHECK(status == 0);
    CHECK_THAT(second.output(),
               Catch::Contains(fmt::format("{} ok, 0 failed, {} skipped", k_archives - published_first.size(),
                                           published_first.size())));
    for (const auto& id : ids_with_outcome(second.output(), "ok")) CHECK_FALSE(published_first.contains(id));
    CHECK(check_published(data).size() == static_cast<std::size_t>(k_archives));
    CHECK(fs::is_empty(data / "tmp"));
}
