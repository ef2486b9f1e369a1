// The lifecycle commands through the real binary (issue 9): tafel recordings delete, gc,
// audit --json, verify, recordings export and recordings list, on a SQLite catalog and a
// data folder prepared through tafel::storage.
#include "child_process.hpp"
#include "data_dir.hpp"
#include "tafel_up.hpp"
#include "storage/catalog.hpp"
#include "storage/layout.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

using namespace std::chrono_literals;
using tafel::test::run_command;
namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& path, const std::string& bytes) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out << bytes;
}

tafel::test::CommandResult tafel_cmd(const tafel::test::DataDir& dir, std::vector<std::string> args) {
    std::vector<std::string> argv{TAFEL_EXECUTABLE};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--data-dir");
    argv.push_back(dir.path.string());
    return run_command(argv);
}

std::size_t files_naming(const fs::path& root, const std::string& id) {
    std::size_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(root))
        if (e.path().string().find(id) != std::string::npos) ++n;
    return n;
}

} // namespace

TEST_CASE("tafel recordings delete, gc, audit, verify and export", "[e2e]") {
    tafel::test::DataDir dir("tafel-lifecycle-cli-");
    const tafel::storage::Layout layout(dir.path);
    auto catalog = tafel::storage::Catalog::open("sqlite:" + (dir.path / "tafel.db").string()).value();
    const std::int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    const std::int64_t day = 86'400'000'000;
    for (const auto& [id, age_days] : std::vector<std::pair<std::string, int>>{{"ancient", 400}, {"recent", 2}, {"doomed", 3}}) {
        tafel::storage::RecordingRow r;
        r.id = id;
        r.meeting_id = "m-" + id;
        r.title = "Mathe " + id;
        r.context = "klasse-7b";
        r.state = tafel::storage::RecordingState::published;
        r.started_utc_us = now - age_days * day;
        REQUIRE(catalog->put_recording(r).has_value());
        write_file(layout.raw_dir(id) / "recording.json", "{}");
        auto work = layout.make_work_dir(id, "1").value();
        write_file(work / "lesson.webm", "webm " + id);
        write_file(work / "chat.json", R"([{"t_ms": 1000, "name": "Frau Müller", "text": "Hallo"}])");
        write_file(work / "manifest.json", nlohmann::json{{"id", id}, {"title", r.title}}.dump());
        REQUIRE(layout.publish(work, id).has_value());
    }
    REQUIRE(catalog->enqueue("doomed", "render").has_value());

    auto deleted = tafel_cmd(dir, {"recordings", "delete", "doomed", "--reason", "parent request"});
    INFO(deleted.out);
    REQUIRE(deleted.status == 0);
    CHECK_THAT(deleted.out, Catch::Contains("deleted doomed"));
    CHECK(files_naming(dir.path, "doomed") == 0);
    CHECK(catalog->recording("doomed").value() == std::nullopt);
    auto again = tafel_cmd(dir, {"recordings", "delete", "doomed"});
    CHECK(again.status == 0);
    CHECK_THAT(again.out, Catch::Contains("nothing left"));

    // gc with the default 365 days: the 400-day-old lesson goes, the recent one stays.
    auto gc = tafel_cmd(dir, {"gc"});
    INFO(gc.out);
    REQUIRE(gc.status == 0);
    CHECK_THAT(gc.out, Catch::Contains("deleted ancient (expired)"));
    CHECK(files_naming(dir.path, "ancient") == 0);
    CHECK(catalog->recording("recent").value().has_value());
    CHECK(fs::exists(layout.published_dir("recent") / "lesson.webm"));

    auto verify = tafel_cmd(dir, {"verify"});
    CHECK(verify.status == 0);
    CHECK_THAT(verify.out, Catch::Contains("recent: ok"));
    write_file(layout.published_dir("recent") / "lesson.webm", "tampered");
    verify = tafel_cmd(dir, {"verify", "recent"});
    CHECK(verify.status == 1);
    CHECK_THAT(verify.out, Catch::Contains("recent: altered lesson.webm"));

    const fs::path target = dir.path / "usb" / "mathe";
    auto exported = tafel_cmd(dir, {"recordings", "export", "recent", target.string()});
    INFO(exported.out);
    REQUIRE(exported.status == 0);
    CHECK(fs::exists(target / "index.html"));
    CHECK(fs::exists(target / "lesson.webm"));

    auto list = tafel_cmd(dir, {"recordings", "list"});
    REQUIRE(list.status == 0);
    CHECK_THAT(list.out, Catch::Contains("DELETE ON"));
    CHECK_THAT(list.out, Catch::Contains("context klasse-7b"));
    CHECK_THAT(list.out, Catch::Contains("total"));

    auto audit = tafel_cmd(dir, {"audit", "--json"});
    REQUIRE(audit.status == 0);
    std::vector<nlohmann::json> entries;
    std::istringstream lines(audit.out);
    for (std::string line; std::getline(lines, line);) entries.push_back(nlohmann::json::parse(line));
    REQUIRE(entries.size() == 3);
    CHECK(entries[0].at("action") == "deleted");
    CHECK(entries[0].at("recording") == "doomed");
    CHECK(entries[0].at("details").at("reason") == "parent request");
    CHECK(entries[0].at("actor").get<std::string>().starts_with("cli:"));
    CHECK(entries[1].at("action") == "deleted");
    CHECK(entries[1].at("actor") == "retention");
    CHECK(entries[2].at("action") == "downloaded");
    auto only = tafel_cmd(dir, {"audit", "--recording", "recent"});
    CHECK_THAT(only.out, Catch::Contains("downloaded"));
    CHECK_THAT(only.out, !Catch::Contains("doomed"));
    // There is no command that changes or removes an entry.
    CHECK(tafel_cmd(dir, {"audit", "delete"}).status != 0);
}

TEST_CASE("tafel recordings share prints a signed link the player accepts - audited as shared", "[e2e]") {
    tafel::test::DataDir dir("tafel-lifecycle-cli-");
    const tafel::storage::Layout layout(dir.path);
    {
        auto catalog = tafel::storage::Catalog::open("sqlite:" + (dir.path / "tafel.db").string()).value();
        tafel::storage::RecordingRow r;
        r.id = "shared-lesson";
        r.meeting_id = "m-shared";
        r.title = "Bio 6a";
        r.context = "klasse-6a";
        r.state = tafel::storage::RecordingState::published;
        r.started_utc_us =
            std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        REQUIRE(catalog->put_recording(r).has_value());
        auto work = layout.make_work_dir(r.id, "1").value();
        write_file(work / "lesson.webm", "webm");
        write_file(work / "chat.json", "[]");
        write_file(work / "manifest.json", nlohmann::json{{"id", r.id}, {"title", r.title}}.dump());
        REQUIRE(layout.publish(work, r.id).has_value());
    }
    // Open access: a link would grant nothing, so none is issued and nothing is audited.
    auto open = tafel_cmd(dir, {"recordings", "share", "shared-lesson"});
    CHECK(open.status != 0); // (the reason goes to stderr; the audit below has no entry for it)

    const fs::path config = dir.path / "tafel.json";
    write_file(config, R"({"secret": "s3cret-for-links", "public_url": "http://school.example/tafel/"})");
    auto shared = tafel_cmd(dir, {"recordings", "share", "shared-lesson", "--days", "3", "--config", config.string()});
    INFO(shared.out);
    REQUIRE(shared.status == 0);
    std::smatch m;
    const std::string out = shared.out;
    REQUIRE(std::regex_search(out, m, std::regex(R"(http://school\.example/tafel/r/shared-lesson\?token=(\S+))")));
    const std::string token = m[1];
    CHECK(tafel_cmd(dir, {"recordings", "share", "no-such", "--config", config.string()}).status != 0);

    // The player with the same secret opens the page with that token, and refuses it without.
    tafel::test::TafelServe serve(dir.path, {"--config", config.string()});
    const std::string base = serve.base + "/r/shared-lesson";
    auto code = [](const std::string& url) {
        return run_command({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "30", url}).out;
    };
    CHECK(code(base + "?token=" + token) == "200");
    CHECK(code(base) == "403");
    CHECK(serve.process.stop(SIGTERM, 30s) == 0);

    auto audit = tafel_cmd(dir, {"audit", "--json", "--action", "shared"});
    REQUIRE(audit.status == 0);
    std::vector<nlohmann::json> entries;
    std::istringstream lines(audit.out);
    for (std::string l; std::getline(lines, l);) entries.push_back(nlohmann::json::parse(l));
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].at("recording") == "shared-lesson");
    CHECK(entries[0].at("actor").get<std::string>().starts_with("cli:"));
    CHECK(entries[0].at("details").at("role") == "viewer");
    CHECK(entries[0].at("details").at("expires_unix_s").get<std::int64_t>() > 0);
}
