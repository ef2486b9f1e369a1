// Progressive publishing (issue 6) in storage: the audio-only preview is published only where
// nothing is yet, a full render replaces it in one step (the recording is never absent), a
// preview that loses the race to a full render never overwrites it, and the catalog's ready
// parts only ever grow — on both backends.
#include "storage/catalog.hpp"
#include "storage/layout.hpp"
#include "test_database.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <latch>
#include <thread>

using namespace tafel;
using namespace tafel::storage;
using tafel::storage::test::Backend;
using tafel::storage::test::TestDatabase;
using tafel::test::TempDir;
namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary);
    out << content;
    REQUIRE(out.good());
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// A work folder as the preview job ("preview") or the render job ("full") leaves it.
fs::path write_output(const Layout& layout, const std::string& id, const std::string& kind, int job) {
    auto work = layout.make_work_dir(id, std::to_string(job));
    REQUIRE(work.has_value());
    write_file(*work / "lesson.opus.webm", std::string(4096, 'a'));
    write_file(*work / "chat.json", "[]");
    if (kind == "full") write_file(*work / "lesson.webm", std::string(8192, 'v'));
    write_file(*work / "manifest.json", nlohmann::json{{"kind", kind}, {"job", job}}.dump());
    return *work;
}

std::string published_kind(const Layout& layout, const std::string& id) {
    return nlohmann::json::parse(read_file(layout.published_dir(id) / "manifest.json")).at("kind").get<std::string>();
}

std::size_t entries(const fs::path& dir) {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

} // namespace

TEST_CASE("publish_if_absent publishes a preview only where nothing is published yet", "[integration]") {
    TempDir dir;
    Layout layout(dir.path());
    REQUIRE(layout.ensure().has_value());

    const auto preview = write_output(layout, "rec1", "preview", 2);
    auto placed = layout.publish_if_absent(preview, "rec1");
    REQUIRE(placed.has_value());
    CHECK(*placed);
    CHECK_FALSE(fs::exists(preview));
    CHECK(published_kind(layout, "rec1") == "preview");
    // Checksums went in as with a full publish (`tafel verify`).
    CHECK(nlohmann::json::parse(read_file(layout.published_dir("rec1") / "manifest.json")).contains("checksums"));

    // A second preview (a re-run of the finished step) changes nothing.
    const auto again = write_output(layout, "rec1", "preview", 3);
    placed = layout.publish_if_absent(again, "rec1");
    REQUIRE(placed.has_value());
    CHECK_FALSE(*placed);
    CHECK_FALSE(fs::exists(again)); // its work folder is gone too

    // The full render replaces the preview; a preview after it is refused.
    REQUIRE(layout.publish(write_output(layout, "rec1", "full", 1), "rec1").has_value());
    CHECK(published_kind(layout, "rec1") == "full");
    CHECK(fs::exists(layout.published_dir("rec1") / "lesson.webm"));
    placed = layout.publish_if_absent(write_output(layout, "rec1", "preview", 4), "rec1");
    REQUIRE(placed.has_value());
    CHECK_FALSE(*placed);
    CHECK(published_kind(layout, "rec1") == "full");
    CHECK(entries(layout.tmp_root()) == 0); // neither work folders nor replaced versions are left

    auto bad = layout.publish_if_absent(layout.tmp_root() / "rec1-9-gone", "rec1");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().code == Errc::not_found);
    CHECK_THAT(bad.error().message, Catch::Contains("rec1-9-gone"));
}

TEST_CASE("a full publish replaces the preview without the recording ever being absent", "[integration]") {
    TempDir dir;
    Layout layout(dir.path());
    REQUIRE(layout.ensure().has_value());
    REQUIRE(layout.publish_if_absent(write_output(layout, "rec1", "preview", 1), "rec1").value());
    const auto target = layout.published_dir("rec1");

    std::atomic<bool> done{false};
    std::string writer_error;
    std::thread writer([&] {
        for (int job = 2; job < 60; ++job) {
            auto ok = layout.publish(write_output(layout, "rec1", "full", job), "rec1");
            if (!ok) {
                writer_error = ok.error().describe();
                break;
            }
        }
        done = true;
    });
    std::size_t looks = 0, absent = 0;
    while (!done) {
        struct stat st {};
        ++looks;
        if (::stat(target.c_str(), &st) != 0) ++absent;
    }
    writer.join();
    CHECK(writer_error.empty());
    CHECK(looks > 0);
    CHECK(absent == 0); // RENAME_EXCHANGE: old or new, never neither
    CHECK(published_kind(layout, "rec1") == "full");
    CHECK(entries(layout.tmp_root()) == 0);
}

TEST_CASE("a preview racing a full publish never overwrites it", "[integration]") {
    TempDir dir;
    Layout layout(dir.path());
    REQUIRE(layout.ensure().has_value());
    int preview_first = 0, full_first = 0;
    for (int round = 0; round < 150; ++round) {
        const std::string id = "race" + std::to_string(round);
        const auto preview = write_output(layout, id, "preview", 2);
        const auto full = write_output(layout, id, "full", 1);
        std::latch go(2);
        Result<bool> preview_placed = false;
        Result<void> full_placed;
        std::thread a([&] {
            go.arrive_and_wait();
            preview_placed = layout.publish_if_absent(preview, id);
        });
        std::thread b([&] {
            go.arrive_and_wait();
            full_placed = layout.publish(full, id);
        });
        a.join();
        b.join();
        REQUIRE(preview_placed.has_value());
        REQUIRE(full_placed.has_value());
        *preview_placed ? ++preview_first : ++full_first;
        // Whichever came first, the full version is what stays published, complete.
        REQUIRE(published_kind(layout, id) == "full");
        REQUIRE(fs::exists(layout.published_dir(id) / "lesson.webm"));
    }
    CHECK(entries(layout.tmp_root()) == 0);
    INFO("preview first " << preview_first << ", full first " << full_first);
    CHECK(preview_first + full_first == 150);
}

TEST_CASE("ready parts only grow and survive a rewrite of the row", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    TestDatabase db(backend);
    auto opened = Catalog::open(db.url());
    REQUIRE(opened.has_value());
    auto& catalog = **opened;

    RecordingRow row;
    row.id = "r1";
    row.meeting_id = "m1";
    row.title = "Mathe";
    row.context = "klasse-7b";
    row.state = RecordingState::processing;
    row.started_utc_us = 1;
    REQUIRE(catalog.put_recording(row).has_value());
    CHECK(catalog.recording("r1").value()->ready_parts == 0);

    REQUIRE(catalog.mark_parts_ready("r1", k_part_audio).has_value());
    CHECK(catalog.recording("r1").value()->ready_parts == k_part_audio);
    REQUIRE(catalog.mark_parts_ready("r1", k_part_audio | k_part_video).has_value());
    // A late preview marks audio again: the video stays ready.
    REQUIRE(catalog.mark_parts_ready("r1", k_part_audio).has_value());
    CHECK(catalog.recording("r1").value()->ready_parts == (k_part_audio | k_part_video));
    CHECK(catalog.list_recordings().value().at(0).ready_parts == (k_part_audio | k_part_video));

    // The recorder rewrites rows without knowing the parts: they stay.
    row.title = "Mathe (renamed)";
    REQUIRE(catalog.put_recording(row).has_value());
    CHECK(catalog.recording("r1").value()->ready_parts == (k_part_audio | k_part_video));

    auto missing = catalog.mark_parts_ready("nope", k_part_audio);
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().code == Errc::not_found);
    CHECK_THAT(missing.error().message, Catch::Contains("nope"));

    CHECK(part_names(0).empty());
    CHECK(part_names(k_part_audio) == std::vector<std::string>{"audio"});
    CHECK(part_names(k_part_audio | k_part_video) == std::vector<std::string>{"audio", "video"});
}
