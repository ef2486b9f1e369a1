#include "storage/layout.hpp"
#include "test_database.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <dirent.h>
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <thread>

using namespace tafel;
using namespace tafel::storage;
using tafel::test::TempDir;
namespace fs = std::filesystem;

namespace {

const std::set<std::string> k_files{"manifest.json", "lesson.webm", "lesson.mp4", "chat.json"};

void write_file(const fs::path& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary);
    out << content;
    REQUIRE(out.good());
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// One complete published version: every file, the manifest written last.
fs::path write_version(const Layout& layout, const std::string& id, int version) {
    auto work = layout.make_work_dir(id, "job" + std::to_string(version));
    REQUIRE(work.has_value());
    for (const auto& name : k_files)
        if (name != "manifest.json") write_file(*work / name, std::string(64 * 1024, static_cast<char>('a' + version % 26)));
    write_file(*work / "manifest.json", "{\"version\": " + std::to_string(version) + "}");
    return *work;
}

std::size_t entries(const fs::path& dir) {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

} // namespace

TEST_CASE("ensure creates raw/, published/ and tmp/", "[integration]") {
    TempDir dir;
    Layout layout(dir.path() / "data");
    REQUIRE(layout.ensure().has_value());
    CHECK(fs::is_directory(dir.path() / "data" / "raw"));
    CHECK(fs::is_directory(dir.path() / "data" / "published"));
    CHECK(fs::is_directory(dir.path() / "data" / "tmp"));
    CHECK(layout.ensure().has_value()); // idempotent
}

TEST_CASE("ensure names the path it could not create", "[integration]") {
    TempDir dir;
    write_file(dir.path() / "file", "not a folder");
    Layout layout(dir.path() / "file");
    auto ok = layout.ensure();
    REQUIRE_FALSE(ok.has_value());
    CHECK(ok.error().code == Errc::io);
    CHECK_THAT(ok.error().message, Catch::Contains((dir.path() / "file").string()));
}

TEST_CASE("make_work_dir gives a fresh empty folder under tmp/ each time", "[integration]") {
    TempDir dir;
    Layout layout(dir.path());
    auto a = layout.make_work_dir("rec1", "7");
    auto b = layout.make_work_dir("rec1", "7");
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    CHECK(*a != *b);
    CHECK(a->parent_path() == layout.tmp_root());
    CHECK(a->filename().string().starts_with("rec1-7-"));
    CHECK(fs::is_empty(*a));

    auto bad = layout.make_work_dir("../../etc", "7");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().code == Errc::invalid_argument);
}

TEST_CASE("publish moves the work folder into place and replaces an older version", "[integration]") {
    TempDir dir;
    Layout layout(dir.path());
    REQUIRE(layout.ensure().has_value());

    const auto first = write_version(layout, "rec1", 1);
    REQUIRE(layout.publish(first, "rec1").has_value());
    CHECK_FALSE(fs::exists(first));
    CHECK(nlohmann::json::parse(read_file(layout.published_dir("rec1") / "manifest.json")).at("version") == 1);

    const auto second = write_version(layout, "rec1", 2);
    write_file(layout.published_dir("rec1") / "stale.txt", "only in version 1");
    REQUIRE(layout.publish(second, "rec1").has_value());
    CHECK(nlohmann::json::parse(read_file(layout.published_dir("rec1") / "manifest.json")).at("version") == 2);
    CHECK_FALSE(fs::exists(layout.published_dir("rec1") / "stale.txt"));
    CHECK(entries(layout.published_dir("rec1")) == k_files.size());
    CHECK(entries(layout.tmp_root()) == 0); // neither the work folder nor the old version is left
}

TEST_CASE("publish of a missing work folder names it and keeps the published version", "[integration]") {
    TempDir dir;
    Layout layout(dir.path());
    REQUIRE(layout.publish(write_version(layout, "rec1", 1), "rec1").has_value());
    const auto missing = layout.tmp_root() / "rec1-9-gone";
    auto ok = layout.publish(missing, "rec1");
    REQUIRE_FALSE(ok.has_value());
    CHECK(ok.error().code == Errc::not_found);
    CHECK_THAT(ok.error().message, Catch::Contains(missing.string()));
    CHECK(nlohmann::json::parse(read_file(layout.published_dir("rec1") / "manifest.json")).at("version") == 1);
}

TEST_CASE("a reader never sees a half-published recording", "[integration]") {
    TempDir dir;
    Layout layout(dir.path());
    REQUIRE(layout.ensure().has_value());
    const auto target = layout.published_dir("rec1");

    std::atomic<bool> done{false};
    std::string writer_error;
    std::thread writer([&] {
        for (int version = 1; version <= 40; ++version) {
            auto work = layout.make_work_dir("rec1", std::to_string(version));
            if (!work) {
                writer_error = work.error().describe();
                break;
            }
            // Files appear one by one in the work folder, as a renderer writes them.
            for (const auto& name : k_files) {
                std::ofstream out(*work / name, std::ios::binary);
                out << std::string(16 * 1024, 'x');
            }
            if (auto ok = layout.publish(*work, "rec1"); !ok) {
                writer_error = ok.error().describe();
                break;
            }
        }
        done = true;
    });

    std::size_t complete = 0;
    std::size_t half = 0;
    auto observe = [&] {
        // Listing a folder is not atomic, and after a replacement the old version is removed
        // from tmp/, where a reader that opened it earlier still sees it shrink. So a listing
        // counts only if the folder we listed is still the one at published/<id> afterwards;
        // holding it open keeps its inode from being reused meanwhile.
        std::unique_ptr<DIR, int (*)(DIR*)> handle(opendir(target.c_str()), closedir);
        if (!handle) return; // absent: allowed
        struct stat listed {};
        if (fstat(dirfd(handle.get()), &listed) != 0) return;
        std::set<std::string> names;
        while (const dirent* entry = readdir(handle.get())) {
            const std::string name = entry->d_name;
            if (name != "." && name != "..") names.insert(name);
        }
        struct stat now {};
        if (stat(target.c_str(), &now) != 0 || now.st_ino != listed.st_ino || now.st_dev != listed.st_dev)
            return; // replaced while we listed: says nothing about published/<id>
        if (names == k_files) ++complete;
        else ++half;
    };
    while (!done) observe();
    writer.join();
    observe(); // the last version is in place now

    CHECK(writer_error.empty());
    CHECK(half == 0);
    CHECK(complete >= 1);
}

TEST_CASE("remove deletes the published and raw folders of one recording only", "[integration]") {
    TempDir dir;
    Layout layout(dir.path());
    REQUIRE(layout.ensure().has_value());
    for (const std::string id : {"rec1", "rec2"}) {
        REQUIRE(layout.publish(write_version(layout, id, 1), id).has_value());
        fs::create_directories(layout.raw_dir(id) / "tracks");
        write_file(layout.raw_dir(id) / "tracks" / "t1.pcap", "pcap");
    }
    REQUIRE(layout.remove("rec1").has_value());
    CHECK_FALSE(fs::exists(layout.published_dir("rec1")));
    CHECK_FALSE(fs::exists(layout.raw_dir("rec1")));
    CHECK(entries(layout.published_dir("rec2")) == k_files.size());
    CHECK(fs::exists(layout.raw_dir("rec2") / "tracks" / "t1.pcap"));
    CHECK(entries(layout.tmp_root()) == 0);

    CHECK(layout.remove("rec1").has_value()); // already gone: nothing to do
    auto bad = layout.remove("..");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().code == Errc::invalid_argument);
}
