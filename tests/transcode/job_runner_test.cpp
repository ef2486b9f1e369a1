// The worker loop's CPU budget: its processing window (heavy jobs wait outside it) and its
// nice level, with a real SQLite queue and real (tiny) renders.
#include "ingest/raw_recording.hpp"
#include "storage/catalog.hpp"
#include "storage/layout.hpp"
#include "queue_lesson.hpp"
#include "test_media.hpp"
#include "transcode/job_runner.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

using namespace tafel;
using namespace tafel::transcode;
using tafel::transcode::test::job_of;
using tafel::transcode::test::make_queue_lesson;
using tafel::transcode::test::TempDir;
using tafel::transcode::test::wait_until;
using namespace std::chrono_literals;

namespace {

// A one-second recording with no tracks and no events: the render is a black slide area and
// silence, quick enough to run many times.
constexpr tafel::transcode::test::QueueLessonOptions k_tiny{.seconds = 1, .audio = false, .events = false};

// The nice values of this process's threads, from /proc/self/task/<tid>/stat (field 19).
std::vector<int> thread_nice_values() {
    std::vector<int> values;
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
        std::ifstream in(task.path() / "stat");
        std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const auto close = stat.rfind(')'); // the command name may hold spaces
        if (close == std::string::npos) continue;
        std::istringstream fields(stat.substr(close + 2));
        std::string field;
        // After ")": state is field 3; nice is field 19 → the 17th token here.
        for (int i = 3; i <= 19 && fields >> field; ++i) {
            if (i == 19) values.push_back(std::stoi(field));
        }
    }
    return values;
}

} // namespace

TEST_CASE("processing window: heavy jobs wait outside it and run once it opens", "[integration]") {
    TempDir tmp;
    storage::Layout layout(tmp.path() / "data");
    REQUIRE(layout.ensure().has_value());
    const std::string url = "sqlite:" + (tmp.path() / "data" / "tafel.db").string();
    auto catalog = storage::Catalog::open(url).value();
    make_queue_lesson(layout, *catalog, "rec-window", k_tiny);
    const auto job = catalog->enqueue("rec-window", "render").value();

    auto minute = std::make_shared<std::atomic<int>>(12 * 60); // noon: outside 22:00-06:00
    JobRunnerOptions options;
    options.database_url = url;
    options.poll = 50ms;
    options.light_lane = false;
    options.window = ProcessingWindow::parse("22:00-06:00").value();
    options.minute_now = [minute] { return minute->load(); };
    options.render.output.threads = 1;
    auto runner = JobRunner::create(options, layout).value();
    runner->start();

    // Ten polling intervals later the job has not been touched.
    CHECK_FALSE(wait_until([&] { return job_of(*catalog, job).state != storage::JobState::queued; }, 500ms));
    minute->store(23 * 60 + 30); // the window opens
    CHECK(wait_until([&] { return job_of(*catalog, job).state == storage::JobState::succeeded; }, 60s));
    runner->stop();
    CHECK(std::filesystem::exists(layout.published_dir("rec-window") / "lesson.mp4"));
}

TEST_CASE("processing window: parsing, wrap past midnight, the whole day", "[unit]") {
    auto night = ProcessingWindow::parse("22:00-06:00").value();
    CHECK(night.open_at(22 * 60));
    CHECK(night.open_at(23 * 60 + 59));
    CHECK(night.open_at(0));
    CHECK(night.open_at(5 * 60 + 59));
    CHECK_FALSE(night.open_at(6 * 60));
    CHECK_FALSE(night.open_at(12 * 60));
    auto day = ProcessingWindow::parse("08:30-16:00").value();
    CHECK(day.open_at(8 * 60 + 30));
    CHECK_FALSE(day.open_at(8 * 60 + 29));
    CHECK_FALSE(day.open_at(16 * 60));
    CHECK(ProcessingWindow::parse("").value().always());
    CHECK(ProcessingWindow::parse("07:00-07:00").value().open_at(3 * 60));
    auto bad = ProcessingWindow::parse("7-8");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().message.find("'7-8'") != std::string::npos);
}

TEST_CASE("worker threads run at the configured nice level, the rest of the process does not", "[integration]") {
    TempDir tmp;
    storage::Layout layout(tmp.path() / "data");
    const std::string url = "sqlite:" + (tmp.path() / "data" / "tafel.db").string();
    JobRunnerOptions options;
    options.database_url = url;
    options.poll = 50ms;
    options.concurrency = 2;
    options.nice = 7;
    auto runner = JobRunner::create(options, layout).value();
    const auto count_at = [](int nice) {
        const auto values = thread_nice_values();
        return std::count(values.begin(), values.end(), nice);
    };
    const auto before = count_at(7);
    runner->start();
    // Two heavy threads and the light lane.
    CHECK(wait_until([&] { return count_at(7) == before + 3; }, 5s));
    CHECK(count_at(0) >= 1); // the test's own thread keeps its priority
    runner->stop();
}
