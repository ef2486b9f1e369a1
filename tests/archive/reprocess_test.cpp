// Reprocessing a tree of archives through the queue: a batch of 50 synthetic archives, 3 of
// them broken (truncated events.xml, a missing webcam file, an unreadable PDF).
#include "archive/batch.hpp"
#include "archive_builder.hpp"
#include "batch_fixture.hpp"
#include "storage/checksums.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include <cstdlib>
#include <fstream>
#include <sys/wait.h>

using namespace tafel;
using namespace tafel::archive;
using namespace tafel::archive::test;
namespace fs = std::filesystem;

namespace {

BatchOptions batch_options(const fs::path& tmp) {
    BatchOptions o;
    o.roots = {tmp / "archives"};
    o.data_dir = tmp / "data";
    o.database_url = "sqlite:" + (tmp / "data" / "tafel.db").string();
    o.parallel = 2;
    o.render.output.width = 320;
    o.render.output.height = 180;
    o.render.output.frame_rate = Rational{1, 1};
    o.render.output.threads = 1;
    o.render.output.mp4 = false;
    o.poll = std::chrono::milliseconds(50);
    return o;
}

} // namespace

TEST_CASE("a batch of 50 archives with 3 broken: 47 published, 3 failed naming why - the re-run skips the 47",
          "[integration]") {
    TempDir tmp;
    make_batch(tmp.path(), 50);
    const BatchOptions options = batch_options(tmp.path());

    int reported = 0;
    auto first = run_batch(options, {}, [&](const ArchiveResult&) { ++reported; });
    REQUIRE(first);
    CHECK(reported == 50);
    CHECK(first->ok == 47);
    CHECK(first->failed == 3);
    CHECK(first->skipped == 0);
    CHECK_FALSE(first->interrupted);
    std::map<std::string, std::string> failures;
    for (const auto& r : first->archives) {
        if (r.outcome == ArchiveOutcome::failed) failures[r.archive.filename().string()] = r.reason;
        if (r.outcome != ArchiveOutcome::ok) continue;
        // Published with its BBB metadata.xml beside the outputs.
        const fs::path pub = options.data_dir / "published" / r.recording_id;
        CHECK(fs::file_size(pub / "lesson.webm") > 0);
        pugi::xml_document doc;
        REQUIRE(doc.load_file((pub / "metadata.xml").c_str()));
        CHECK(std::string(doc.child("recording").child_value("id")) == r.recording_id);
        CHECK(std::string(doc.child("recording").child("playback").child_value("duration")) == "2000");
        CHECK(std::string(doc.child("recording").child("meeting").attribute("name").value()) == "Mathe 7b");
        // metadata.xml is published with the lesson, so the manifest's checksums cover it.
        auto problems = storage::verify_checksums(pub);
        REQUIRE(problems);
        CHECK(problems->empty());
    }
    REQUIRE(failures.size() == 3);
    CHECK_THAT(failures["archive-07"], Catch::Contains("events.xml") && Catch::Contains("byte"));
    CHECK_THAT(failures["archive-23"], Catch::Contains("w_t_cam-23.webm") && Catch::Contains("StartWebRTCShareEvent"));
    CHECK_THAT(failures["archive-41"], Catch::Contains("pres.pdf") && Catch::Contains("not a readable PDF"));
    // Nothing half-published and no work folder left.
    CHECK(fs::is_empty(options.data_dir / "tmp"));
    const auto summary = summary_table(*first);
    CHECK_THAT(summary, Catch::Contains("47 ok, 3 failed, 0 skipped"));

    auto second = run_batch(options, {}, {});
    REQUIRE(second);
    CHECK(second->skipped == 47);
    CHECK(second->ok == 0);
    CHECK(second->failed == 3); // still broken, still reported
}

TEST_CASE("tafel reprocess: exit code, report file, dry run, resume", "[integration]") {
    TempDir tmp;
    make_batch(tmp.path(), 3); // archive-00..02, all good
    // One broken archive beside them: a truncated events.xml.
    fs::create_directories(tmp.path() / "archives" / "broken");
    std::ofstream(tmp.path() / "archives" / "broken" / "events.xml")
        << "<recording meeting_id=\"x-1700000000000\"><event ";
    const fs::path tafel_bin = fs::path(TAFEL_BINARY_DIR) / "app" / "tafel";
    REQUIRE(fs::exists(tafel_bin));
    const auto run = [&](const std::string& args) {
        const std::string cmd = fmt::format("'{}' reprocess '{}' --data-dir '{}' --formats webm {} > '{}' 2>&1",
                                            tafel_bin.string(), (tmp.path() / "archives").string(),
                                            (tmp.path() / "data").string(), args, (tmp.path() / "out.txt").string());
        const int status = std::system(cmd.c_str());
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    };
    const auto output = [&] {
        std::ifstream in(tmp.path() / "out.txt");
        return std::string(std::istreambuf_iterator<char>(in), {});
    };

    CHECK(run("--dry-run") == 1); // the broken one already fails identification
    CHECK_THAT(output(), Catch::Contains("0 ok, 1 failed"));
    CHECK_FALSE(fs::exists(tmp.path() / "data" / "published"));

    CHECK(run("--parallel 2 --report '" + (tmp.path() / "report.json").string() + "'") == 1);
    INFO(output());
    CHECK_THAT(output(), Catch::Contains("3 ok, 1 failed, 0 skipped") && Catch::Contains("broken/events.xml"));
    std::ifstream report(tmp.path() / "report.json");
    const auto j = nlohmann::json::parse(report);
    CHECK(j["ok"] == 3);
    CHECK(j["failed"] == 1);
    CHECK(j["archives"].size() == 4);

    fs::remove_all(tmp.path() / "archives" / "broken");
    CHECK(run("") == 0);
    CHECK_THAT(output(), Catch::Contains("0 ok, 0 failed, 3 skipped"));
}
