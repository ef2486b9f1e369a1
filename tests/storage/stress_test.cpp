// Stress on each backend (issue 6): 4 worker processes × 500 short jobs. Every job's side
// effect — one line with its id appended to a shared file — must appear exactly once.
#include "child_process.hpp"
#include "storage/catalog.hpp"
#include "queued_jobs.hpp"
#include "test_database.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

using namespace tafel;
using namespace tafel::storage;
using tafel::storage::test::Backend;
using tafel::storage::test::queue_rec1_jobs;
using tafel::storage::test::TestDatabase;

TEST_CASE("4 worker processes x 500 jobs: every job runs exactly once", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    TestDatabase db(backend);
    constexpr int k_jobs = 500;
    constexpr int k_workers = 4;

    const std::set<std::int64_t> enqueued = queue_rec1_jobs(db.url(), "test", k_jobs);

    const auto side_effects = db.dir().path() / "side-effects.txt";
    std::vector<std::unique_ptr<tafel::test::ChildProcess>> workers;
    for (int w = 0; w < k_workers; ++w) {
        workers.push_back(std::make_unique<tafel::test::ChildProcess>(std::vector<std::string>{
            TAFEL_QUEUE_WORKER, db.url(), fmt::format("stress-{}", w), side_effects.string()}));
    }
    // All four are up (catalog open) before any may claim: the race is real on every backend.
    for (auto& worker : workers) REQUIRE(worker->wait_for_line("ready", std::chrono::seconds(60)));
    std::ofstream(side_effects.string() + ".go").put('\n');
    std::map<std::string, int> ran_by;
    for (auto& worker : workers) {
        CHECK(worker->wait(std::chrono::seconds(120)) == 0);
        worker->read_to_end(std::chrono::seconds(5));
    }

    std::ifstream in(side_effects);
    std::map<std::int64_t, int> runs;
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::int64_t id = 0;
        std::string worker;
        fields >> id >> worker;
        ++runs[id];
        ++ran_by[worker];
    }
    std::set<std::int64_t> ran;
    int duplicated = 0;
    for (const auto& [id, count] : runs) {
        ran.insert(id);
        if (count != 1) ++duplicated;
    }
    CHECK(duplicated == 0);
    CHECK(ran == enqueued); // none lost, none invented
    // The processes really raced for the jobs (they were released together).
    CHECK(ran_by.size() >= 2);

    auto catalog = Catalog::open(db.url());
    REQUIRE(catalog.has_value());
    auto jobs = (*catalog)->jobs_of("rec1").value();
    REQUIRE(jobs.size() == k_jobs);
    int not_once = 0;
    for (const auto& j : jobs)
        if (j.state != JobState::succeeded || j.attempts != 1) ++not_once;
    CHECK(not_once == 0);
}

TEST_CASE("a worker killed with SIGKILL mid-job: the job runs again after its lease, once", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    TestDatabase db(backend);
    const std::int64_t id = *queue_rec1_jobs(db.url(), "test", 1).begin();
    const auto output = db.dir().path() / "side-effects.txt";

    tafel::test::ChildProcess crashing({TAFEL_QUEUE_WORKER, db.url(), "crashing", output.string(), "hang"});
    REQUIRE(crashing.wait_for_line(fmt::format("claimed {}", id), std::chrono::seconds(60)));
    ::kill(crashing.pid(), SIGKILL);
    CHECK(crashing.wait(std::chrono::seconds(10)) != 0);

    // The survivor finds the job leased, waits for the (1 s) lease to expire and runs it.
    std::ofstream(output.string() + ".go").put('\n'); // no start barrier needed here
    tafel::test::ChildProcess survivor({TAFEL_QUEUE_WORKER, db.url(), "survivor", output.string()});
    CHECK(survivor.wait(std::chrono::seconds(60)) == 0);

    std::ifstream in(output);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    CHECK(lines == std::vector<std::string>{fmt::format("{} survivor", id)}); // once, by the survivor
    // The crashed attempt's half-written output stayed where it was written, unpublished.
    CHECK(std::filesystem::exists(output.string() + ".partial"));
    auto catalog = Catalog::open(db.url());
    REQUIRE(catalog.has_value());
    auto job = (*catalog)->job(id).value();
    REQUIRE(job.has_value());
    CHECK(job->state == JobState::succeeded);
    CHECK(job->attempts == 2);
    CHECK(job->worker == "survivor");
}
