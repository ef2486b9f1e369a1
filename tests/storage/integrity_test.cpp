// Integrity of published lessons (issue 9): publish writes the SHA-256 of every file into
// manifest.json, verify reports missing, altered and unlisted files, and an export is one
// folder whose page uses nothing from outside it.
#include "storage/checksums.hpp"
#include "storage/layout.hpp"
#include "storage/lesson_export.hpp"
#include "test_database.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>
#include <sstream>

using namespace tafel;
using namespace tafel::storage;
using tafel::test::TempDir;
namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& path, const std::string& bytes) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out << bytes;
    REQUIRE(out.good());
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// A work folder as the renderer leaves it.
fs::path make_work(const Layout& layout, const std::string& id) {
    auto work = layout.make_work_dir(id, "1");
    REQUIRE(work.has_value());
    write_file(*work / "lesson.webm", "webm bytes");
    write_file(*work / "lesson.mp4", "mp4 bytes");
    write_file(*work / "chat.json", R"([{"t_ms": 61000, "name": "Frau Müller", "text": "Seite 3 <bitte>"}])");
    write_file(*work / "chapters.vtt", "WEBVTT\n\n00:00:00.000 --> 00:01:00.000\nFolie 1\n\n"
                                       "00:01:00.000 --> 00:02:00.000\nFolie 2\n");
    write_file(*work / "manifest.json",
               nlohmann::json{{"id", id},
                              {"title", "Mathe 7b"},
                              {"files", {{{"name", "lesson.webm"}, {"mime", "video/webm"}, {"bytes", 10}}}}}
                   .dump());
    return *work;
}

} // namespace

TEST_CASE("publish writes SHA-256 checksums into manifest.json and verify finds changes", "[integration]") {
    TempDir data;
    const Layout layout(data.path());
    REQUIRE(layout.publish(make_work(layout, "rec-1"), "rec-1").has_value());
    const fs::path dir = layout.published_dir("rec-1");

    const auto manifest = nlohmann::json::parse(read_file(dir / "manifest.json"));
    // FIPS 180-4 test vector style check: the known digest of the bytes "mp4 bytes".
    CHECK(manifest.at("checksums").at("lesson.mp4") == sha256_file(dir / "lesson.mp4").value());
    CHECK(manifest.at("checksums").size() == 4);
    CHECK(manifest.at("files")[0].at("sha256") == manifest.at("checksums").at("lesson.webm"));
    CHECK(manifest.at("title") == "Mathe 7b"); // the renderer's fields are kept
    CHECK(verify_checksums(dir).value().empty());

    write_file(dir / "lesson.mp4", "mp4 bytez");
    fs::remove(dir / "chat.json");
    write_file(dir / "extra.bin", "?");
    auto problems = verify_checksums(dir).value();
    REQUIRE(problems.size() == 3);
    std::map<std::string, std::string> by_file;
    for (const auto& p : problems) by_file[p.file] = to_string(p.kind);
    CHECK(by_file.at("lesson.mp4") == "altered");
    CHECK(by_file.at("chat.json") == "missing");
    CHECK(by_file.at("extra.bin") == "unlisted");
}

TEST_CASE("verify lets a preview's growing audio stream grow and still checks what it listed", "[integration]") {
    TempDir data;
    const Layout layout(data.path());
    auto work = layout.make_work_dir("rec-s", "1");
    REQUIRE(work.has_value());
    write_file(*work / "chapters.vtt", "WEBVTT\n");
    write_file(*work / "audio" / "init.mp4", "init");
    write_file(*work / "audio" / "seg-00000.m4s", "segment 0");
    write_file(*work / "audio" / "index.m3u8", "#EXTM3U\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXTINF:6.0,\nseg-00000.m4s\n");
    write_file(*work / "manifest.json", nlohmann::json{{"id", "rec-s"}, {"audio_stream", "audio/index.m3u8"}}.dump());
    REQUIRE(layout.publish(*work, "rec-s").has_value());
    const fs::path dir = layout.published_dir("rec-s");

    // The writer at work: a segment joins, the playlist lists it.
    write_file(dir / "audio" / "seg-00001.m4s", "segment 1");
    write_file(dir / "audio" / "index.m3u8",
               "#EXTM3U\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXTINF:6.0,\nseg-00000.m4s\n#EXTINF:6.0,\nseg-00001.m4s\n");
    CHECK(verify_checksums(dir).value().empty());
    // A listed segment is still checked while the stream grows, and files outside it as ever.
    write_file(dir / "audio" / "seg-00000.m4s", "segment O");
    write_file(dir / "extra.bin", "?");
    auto problems = verify_checksums(dir).value();
    REQUIRE(problems.size() == 2);
    std::map<std::string, std::string> by_file;
    for (const auto& p : problems) by_file[p.file] = to_string(p.kind);
    CHECK(by_file.at("audio/seg-00000.m4s") == "altered");
    CHECK(by_file.at("extra.bin") == "unlisted");
    // Once closed, the stream is judged like any file: the playlist changed since the manifest.
    write_file(dir / "audio" / "seg-00000.m4s", "segment 0");
    fs::remove(dir / "extra.bin");
    write_file(dir / "audio" / "index.m3u8", "#EXTM3U\n#EXTINF:6.0,\nseg-00000.m4s\n#EXT-X-ENDLIST\n");
    problems = verify_checksums(dir).value();
    by_file.clear();
    for (const auto& p : problems) by_file[p.file] = to_string(p.kind);
    CHECK(by_file.size() == 2);
    CHECK(by_file["audio/index.m3u8"] == "altered");
    CHECK(by_file["audio/seg-00001.m4s"] == "unlisted");
}

TEST_CASE("sha256_file matches the FIPS 180-4 example \"abc\"", "[unit]") {
    TempDir dir;
    write_file(dir.path() / "abc", "abc");
    CHECK(sha256_file(dir.path() / "abc").value() ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("export writes one self-contained folder with a page that needs nothing outside it", "[integration]") {
    TempDir data;
    const Layout layout(data.path());
    REQUIRE(layout.publish(make_work(layout, "rec-1"), "rec-1").has_value());
    const fs::path target = data.path() / "export" / "mathe";
    auto index = export_lesson(layout, "rec-1", target);
    REQUIRE(index.has_value());
    for (const char* name : {"lesson.webm", "lesson.mp4", "chat.json", "chapters.vtt", "manifest.json", "index.html"})
        CHECK(fs::exists(target / name));
    CHECK(verify_checksums(target).value().size() == 1); // only index.html is new: "unlisted"

    const std::string html = read_file(*index);
    CHECK_THAT(html, Catch::Contains("<source src=\"lesson.webm\""));
    CHECK_THAT(html, Catch::Contains("Folie 2"));
    CHECK_THAT(html, Catch::Contains("Seite 3 &lt;bitte&gt;")); // chat text escaped
    CHECK_THAT(html, Catch::Contains("1:01"));
    // No external asset: every src/href is a file of the folder or an in-page anchor.
    const std::regex ref(R"re((src|href)="([^"]*)")re");
    int refs = 0;
    for (auto it = std::sregex_iterator(html.begin(), html.end(), ref); it != std::sregex_iterator(); ++it) {
        const std::string value = (*it)[2];
        INFO(value);
        CHECK((value.starts_with("#") || fs::exists(target / value)));
        ++refs;
    }
    CHECK(refs >= 4);
    CHECK(html.find("http") == std::string::npos);

    CHECK(export_lesson(layout, "rec-1", target).error().code == Errc::already_exists);
    CHECK(export_lesson(layout, "rec-2", data.path() / "x").error().code == Errc::not_found);
}
