// Privacy end to end (issue 9 "Must show"): a lesson with a pupil who denied consent and a
// pupil who withdraws it mid-lesson is rendered by the real job runner and served by the real
// `tafel serve`; every published file and every HTTP answer is searched for the denied
// pupil's name, and the withdrawn pupil's lines after the change must not carry her name.
//
// What is checked elsewhere, not repeated here: that a non-recordable participant's audio is
// absent by spectrum (tests/transcode/render_content_test.cpp, Goertzel, also for a consent
// change mid-lesson), and that the recorder writes no pcap for them (tests/ingest).
// Known gap, asserted as it stands: the chat *text* of a non-consenting pupil is published
// under a pseudonym ("Schüler·in N", docs/rendering.md "Privacy"); issue 9 asks for it to
// appear nowhere. See docs/privacy.md.
#include "child_process.hpp"
#include "core/ids.hpp"
#include "ingest/raw_recording.hpp"
#include "storage/catalog.hpp"
#include "storage/layout.hpp"
#include "sync_lesson.hpp"
#include "transcode/job_runner.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

using namespace tafel;
using namespace std::chrono_literals;
using tafel::test::ChildProcess;
using tafel::test::run_command;
namespace fs = std::filesystem;

namespace {

constexpr const char* k_denied_name = "Zacharias Nichtzustimmer";
constexpr const char* k_denied_id = "pupil-zach";
constexpr const char* k_changer_name = "Wiebke Wechselmut";
constexpr const char* k_changer_id = "pupil-wiebke";

struct DataDir {
    fs::path path = fs::temp_directory_path() / ("tafel-privacy-" + random_hex_id(8));
    DataDir() { fs::create_directories(path); }
    ~DataDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

int port_of(const std::string& line) {
    std::smatch m;
    const std::regex re(R"(:(\d+)/)");
    return std::regex_search(line, m, re) ? std::stoi(m[1]) : 0;
}

} // namespace

TEST_CASE("a denied pupil's name appears in no published file and no HTTP answer", "[e2e]") {
    DataDir data;
    const storage::Layout layout(data.path);
    REQUIRE(layout.ensure().has_value());

    // The teacher's webcam and microphone (3 s), then the pupils as the recorder would leave
    // them: both in recording.json, no media of the denied one (the recorder discards it).
    test::SyncLessonOptions o;
    o.duration_ms = 3'000;
    o.first_marker_ms = 1'000;
    const auto lesson = test::write_sync_lesson(layout.root() / "raw", o);
    const std::string id = lesson.dir.filename().string();
    auto info = ingest::read_recording_info(lesson.dir).value();
    info.participants.push_back({k_denied_id, k_denied_name, ingest::Role::viewer, ingest::Consent::denied});
    // recording.json holds the latest value; the change is in events.jsonl.
    info.participants.push_back({k_changer_id, k_changer_name, ingest::Role::viewer, ingest::Consent::denied});
    REQUIRE(ingest::write_recording_info(lesson.dir, info).has_value());
    {
        std::ofstream events(lesson.dir / "events.jsonl", std::ios::app);
        const auto event = [&](std::int64_t lesson_ms, nlohmann::json j) {
            j["t_us"] = info.started.utc_us + lesson_ms * 1000;
            events << j.dump() << '\n';
        };
        event(0, {{"type", "participant_joined"}, {"participant", k_denied_id}, {"name", k_denied_name},
                  {"role", "viewer"}, {"consent", "denied"}});
        event(0, {{"type", "participant_joined"}, {"participant", k_changer_id}, {"name", k_changer_name},
                  {"role", "viewer"}, {"consent", "granted"}});
        event(500, {{"type", "chat"}, {"participant", k_denied_id}, {"name", k_denied_name}, {"text", "Frage von Z"}});
        event(800, {{"type", "chat"}, {"participant", k_changer_id}, {"name", k_changer_name}, {"text", "vorher"}});
        event(1500, {{"type", "consent_changed"}, {"participant", k_changer_id}, {"consent", "denied"}});
        event(2000, {{"type", "chat"}, {"participant", k_changer_id}, {"name", k_changer_name}, {"text", "nachher"}});
        REQUIRE(events.good());
    }
    const std::string url = "sqlite:" + (data.path / "tafel.db").string();
    auto catalog = std::move(storage::Catalog::open(url).value());
    storage::RecordingRow row;
    row.id = id;
    row.meeting_id = info.meeting.id;
    row.title = info.meeting.name;
    row.context = info.meeting.context;
    row.state = storage::RecordingState::stopped;
    row.started_utc_us = info.started.utc_us;
    REQUIRE(catalog->put_recording(row).has_value());
    REQUIRE(catalog->enqueue(id, "render").has_value());

    transcode::JobRunnerOptions options;
    options.database_url = url;
    options.render.output.threads = 1;
    auto runner = std::move(transcode::JobRunner::create(options, layout).value());
    REQUIRE(runner->run_once(*catalog, "w").value());
    REQUIRE(catalog->recording(id).value().value().state == storage::RecordingState::published);

    // 1. Every published byte.
    std::size_t files = 0;
    for (const auto& e : fs::recursive_directory_iterator(layout.published_dir(id))) {
        if (!e.is_regular_file()) continue;
        ++files;
        const std::string bytes = read_file(e.path());
        INFO(e.path().string());
        CHECK(bytes.find(k_denied_name) == std::string::npos);
        CHECK(bytes.find("Zacharias") == std::string::npos);
    }
    CHECK(files >= 4);

    // 2. chat.json: the withdrawn pupil's name stays on her line before the change only.
    const auto chat = nlohmann::json::parse(read_file(layout.published_dir(id) / "chat.json"));
    std::map<std::string, std::string> name_of_text;
    for (const auto& line : chat) name_of_text[line.at("text")] = line.at("name");
    REQUIRE(name_of_text.contains("vorher"));
    CHECK(name_of_text.at("vorher") == k_changer_name);
    // Known gap (header): the texts are published, under pseudonyms.
    REQUIRE(name_of_text.contains("nachher"));
    CHECK(name_of_text.at("nachher") != k_changer_name);
    CHECK(name_of_text.at("nachher").find("Wiebke") == std::string::npos);
    REQUIRE(name_of_text.contains("Frage von Z"));
    CHECK(name_of_text.at("Frage von Z").find("Zacharias") == std::string::npos);

    REQUIRE(read_file(lesson.dir / "recording.json").find(k_denied_name) != std::string::npos);

    // 3. Every answer of the player about this lesson.
    ChildProcess serve({TAFEL_EXECUTABLE, "serve", "--data-dir", data.path.string(), "--player-port", "0"},
                       (data.path / "serve.log").string());
    const auto line = serve.wait_for_line("recordings at", 60s);
    REQUIRE(line);
    const int port = port_of(*line);
    REQUIRE(port > 0);
    const std::string base = fmt::format("http://127.0.0.1:{}", port);
    for (const std::string& path : std::vector<std::string>{"/", "/r/" + id, "/r/" + id + "?lang=en", "/api/v1/recordings", "/api/v1/recordings/" + id,
          "/r/" + id + "/media/chat.json", "/r/" + id + "/media/manifest.json", "/r/" + id + "/media/chapters.vtt",
          "/r/" + id + "/media/lesson.webm", "/r/" + id + "/media/lesson.mp4"}) {
        auto answer = run_command({"curl", "-s", "--max-time", "30", base + path});
        INFO(path);
        REQUIRE(answer.status == 0);
        CHECK(answer.out.find("Zacharias") == std::string::npos);
    }
    auto page = run_command({"curl", "-s", "--max-time", "30", base + "/r/" + id});
    CHECK_THAT(page.out, Catch::Contains(id)); // the page is about this lesson (the search is not vacuous)
    CHECK(serve.stop(SIGTERM, 30s) == 0);

    // 4. The raw capture names the pupil (it is the input); the sweep of `tafel serve` (at its
    // start) or of `tafel gc` removes it now that the lesson is published.
    auto gc = run_command({TAFEL_EXECUTABLE, "gc", "--data-dir", data.path.string()});
    CHECK(gc.status == 0);
    CHECK_FALSE(fs::exists(lesson.dir));
}
