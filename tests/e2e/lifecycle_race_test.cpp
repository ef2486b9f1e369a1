// Deleting a recording while its render job runs (issue 9: "deletion racing a running job
// leaves nothing behind"): a real JobRunner renders a real (short, track-less) raw recording
// on a SQLite queue, and storage::delete_everywhere strikes at each phase the runner goes
// through — claimed, rendering into tmp/, published but not yet succeeded, finished. After
// the runner returns, no file under the data folder and no row names the recording.
#include "core/ids.hpp"
#include "data_dir.hpp"
#include "ingest/raw_recording.hpp"
#include "storage/catalog.hpp"
#include "storage/layout.hpp"
#include "storage/recording_deletion.hpp"
#include "transcode/job_runner.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <thread>

using namespace tafel;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

void make_recording(const storage::Layout& layout, storage::Catalog& catalog, const std::string& id) {
    ingest::RecordingInfo info;
    info.id = id;
    info.meeting = {"m-" + id, "Probe", "klasse-7b"};
    info.started = WallTime{1'700'000'000'000'000};
    info.stopped = WallTime{1'700'000'004'000'000}; // 4 s: a render long enough to be caught mid-way
    const auto dir = layout.raw_dir(id);
    fs::create_directories(dir);
    REQUIRE(ingest::write_recording_info(dir, info).has_value());
    std::ofstream(dir / "events.jsonl").flush();
    storage::RecordingRow row;
    row.id = id;
    row.meeting_id = info.meeting.id;
    row.state = storage::RecordingState::stopped;
    REQUIRE(catalog.put_recording(row).has_value());
}

// Every path under the data folder that names the recording.
std::vector<std::string> traces_of(const fs::path& root, const std::string& id) {
    std::vector<std::string> found;
    for (const auto& e : fs::recursive_directory_iterator(root))
        if (e.path().string().find(id) != std::string::npos) found.push_back(e.path().string());
    return found;
}

bool any_work_dir(const storage::Layout& layout, const std::string& id) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(layout.tmp_root(), ec))
        if (e.path().filename().string().starts_with(id + "-")) return true;
    return false;
}

// Polls `ready` (bounded) — the moment to strike — returns whether it became true.
bool wait_for(const std::function<bool()>& ready, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!ready()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(1ms); // polling step of a bounded wait
    }
    return true;
}

} // namespace

TEST_CASE("deleting a recording while its job runs leaves nothing behind", "[integration]") {
    tafel::test::DataDir data("tafel-race-");
    const storage::Layout layout(data.path);
    const std::string url = "sqlite:" + (data.path / "tafel.db").string();
    transcode::JobRunnerOptions options;
    options.database_url = url;
    options.render.output.threads = 1;
    auto runner = transcode::JobRunner::create(options, layout);
    REQUIRE(runner.has_value());
    auto catalog = std::move(storage::Catalog::open(url).value());
    auto worker_catalog = std::move(storage::Catalog::open(url).value());

    struct Phase {
        const char* name;
        std::function<bool(const std::string&)> strike_when;
    };
    const std::vector<Phase> phases{
        {"claimed", [&](const std::string& id) {
             auto jobs = catalog->jobs_of(id);
             return jobs && !jobs->empty() && jobs->front().state == storage::JobState::running;
         }},
        {"rendering into tmp/", [&](const std::string& id) { return any_work_dir(layout, id); }},
        {"published", [&](const std::string& id) { return fs::exists(layout.published_dir(id)); }},
        {"finished", [&](const std::string& id) {
             auto row = catalog->recording(id);
             return row && *row && (*row)->state == storage::RecordingState::published;
         }},
    };
    int struck_while_running = 0;
    for (const Phase& phase : phases) {
        const std::string id = fmt::format("race-{}", random_hex_id(4));
        INFO("phase: " << phase.name << ", recording " << id);
        make_recording(layout, *catalog, id);
        REQUIRE(catalog->enqueue(id, "render").has_value());

        std::thread worker([&] { (void)(*runner)->run_once(*worker_catalog, "w"); });
        const bool hit = wait_for([&] { return phase.strike_when(id); }, 120s);
        auto jobs = catalog->jobs_of(id);
        const bool running = jobs && !jobs->empty() && jobs->front().state == storage::JobState::running;
        struck_while_running += running ? 1 : 0;
        auto deleted = storage::delete_everywhere(*catalog, layout, {id, "test", "race"});
        worker.join();
        INFO("condition met: " << hit << ", job running at deletion: " << running);
        REQUIRE(deleted.has_value());
        CHECK(traces_of(data.path, id).empty());
        CHECK(catalog->recording(id).value() == std::nullopt);
        CHECK(catalog->jobs_of(id).value().empty());
        // The sweep of a later pass would find nothing either: no leftovers by the layout's rules.
        CHECK(layout.leftovers(id).empty());
    }
    // The test is only worth its name if some deletions hit a running job.
    CHECK(struck_while_running >= 2);
}
