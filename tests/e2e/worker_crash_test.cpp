// Issue 6, "Crash": kill -9 a `tafel worker` process in the middle of an encode; the job is
// taken up again by another worker once its lease expires and finishes once; nothing
// half-written is ever published, and the crashed attempt's work folder is cleaned up.
#include "child_process.hpp"
#include "lesson_catalog.hpp"
#include "media_probe.hpp"

#include "ingest/raw_recording.hpp"
#include "storage/catalog.hpp"
#include "storage/layout.hpp"
#include "storage/submission.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include <unistd.h>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using tafel::test::ChildProcess;
using tafel::test::job_of;
using tafel::test::wait_until;

namespace {

// A recording of `seconds` with a one-page deck and no media tracks: rendering it is pure
// composition and encoding, long enough to be caught mid-way.
void make_recording(const tafel::storage::Layout& layout, tafel::storage::Catalog& catalog, const std::string& id,
                    int seconds) {
    tafel::ingest::RecordingInfo info;
    info.id = id;
    info.meeting = {"m-crash", "Absturz", "klasse-9a"};
    info.started = tafel::WallTime{1'700'000'000'000'000};
    info.stopped = tafel::WallTime{1'700'000'000'000'000 + seconds * std::int64_t{1'000'000}};
    const fs::path dir = layout.raw_dir(id);
    fs::create_directories(dir);
    REQUIRE(tafel::ingest::write_recording_info(dir, info).has_value());
    std::ofstream(dir / "events.jsonl") << R"({"t_us":1700000001000000,"type":"chat","participant":"t","name":"Frau Roth","text":"Guten Morgen"})"
                                        << "\n";
    tafel::storage::RecordingRow row;
    row.id = id;
    row.meeting_id = info.meeting.id;
    row.title = info.meeting.name;
    row.state = tafel::storage::RecordingState::stopped;
    REQUIRE(catalog.put_recording(row).has_value());
}

int count_work_dirs(const tafel::storage::Layout& layout, const std::string& prefix) {
    int n = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(layout.tmp_root(), ec)) {
        if (e.path().filename().string().starts_with(prefix)) ++n;
    }
    return n;
}

} // namespace

TEST_CASE("a worker killed with SIGKILL mid-encode: the job is taken up after its lease, once", "[e2e]") {
    const fs::path data = fs::path(TAFEL_BINARY_DIR) / "e2e" / fmt::format("worker-crash-{}", ::getpid());
    fs::remove_all(data);
    tafel::storage::Layout layout(data);
    REQUIRE(layout.ensure().has_value());
    const std::string url = "sqlite:" + (data / "tafel.db").string();
    auto catalog = tafel::storage::Catalog::open(url).value();
    const std::string id = "crash-lesson";
    make_recording(layout, *catalog, id, 60);
    // As the recorder submits a stopped lesson: the render and its audio-only preview.
    const std::int64_t job = tafel::storage::submit_recording(*catalog, id).value().render;

    const std::vector<std::string> worker_args = {TAFEL_EXECUTABLE, "worker",        "--data-dir",  data.string(),
                                                  "--job-lease-s",  "3",             "--job-poll-ms", "100",
                                                  "--encoder-threads", "1"};
    int first_pid = 0;
    {
        ChildProcess first(worker_args, (data / "worker-1.log").string());
        REQUIRE(first.wait_for_line("worker ready", 60s));
        first_pid = first.pid();
        // Mid-encode: the job runs and has reported progress, but is far from done.
        REQUIRE(wait_until(
            [&] {
                const auto j = job_of(*catalog, job);
                return j.state == tafel::storage::JobState::running && j.progress_permille > 0;
            },
            120s));
        const auto before = job_of(*catalog, job);
        INFO("progress at the kill: " << before.progress_permille << " ‰");
        CHECK(before.progress_permille < 1000);
        CHECK(first.stop(SIGKILL, 10s) >= 0);
    }
    CHECK(count_work_dirs(layout, fmt::format("{}-{}-", id, job)) == 1); // the crashed attempt's leftovers
    // Nothing half-published: at most the audio-only preview (progressive publishing), which
    // the light lane publishes whole while the encode runs; no video of the killed attempt.
    if (fs::exists(layout.published_dir(id))) {
        CHECK_FALSE(fs::exists(layout.published_dir(id) / "lesson.mp4"));
        CHECK_FALSE(fs::exists(layout.published_dir(id) / "lesson.webm"));
        std::ifstream in(layout.published_dir(id) / "manifest.json");
        CHECK(nlohmann::json::parse(in).at("parts") == nlohmann::json::array({"audio"}));
    }

    ChildProcess second(worker_args, (data / "worker-2.log").string());
    REQUIRE(second.wait_for_line("worker ready", 60s));
    // The lease (3 s) has to run out before the job may be claimed again.
    REQUIRE(wait_until([&] { return job_of(*catalog, job).state == tafel::storage::JobState::succeeded; }, 300s));
    const auto done = job_of(*catalog, job);
    CHECK(done.attempts == 2);
    CHECK(done.worker.find(fmt::format("-{}-", second.pid())) != std::string::npos);
    CHECK(done.worker.find(fmt::format("-{}-", first_pid)) == std::string::npos);
    CHECK(count_work_dirs(layout, fmt::format("{}-", id)) == 0);

    const auto published = layout.published_dir(id);
    const auto mp4 = tafel::test::probe(published / "lesson.mp4");
    CHECK(mp4.has("video", "h264"));
    CHECK(mp4.duration_s == Approx(60.0).margin(0.2));
    const auto webm = tafel::test::probe(published / "lesson.webm");
    CHECK(webm.duration_s == Approx(60.0).margin(0.2));
    // Exactly one successful run: one render job, succeeded once, the recording published;
    // and its one preview job, queued with it.
    const auto jobs = catalog->jobs_of(id).value();
    CHECK(jobs.size() == 2);
    for (const auto& j : jobs) {
        INFO("job " << j.id << " " << j.kind);
        CHECK((j.kind == "render" || j.kind == "preview"));
        CHECK(j.state == tafel::storage::JobState::succeeded);
    }
    std::ifstream manifest(published / "manifest.json");
    CHECK(nlohmann::json::parse(manifest).at("parts") == nlohmann::json::array({"audio", "video"}));
    CHECK(catalog->recording(id).value()->ready_parts == (tafel::storage::k_part_audio | tafel::storage::k_part_video));
    CHECK(catalog->recording(id).value()->state == tafel::storage::RecordingState::published);
    CHECK(second.stop(SIGTERM, 60s) == 0);
    fs::remove_all(data);
}
