// Issue 6, "Two hosts": two `tafel worker` processes in two network namespaces (each its own
// network stack, reaching the database only over a veth link, as a second machine would),
// one PostgreSQL server and one shared data folder drain a queue together; every job runs
// exactly once and both hosts take part. Needs root (ip netns), as CI runs.
#include "child_process.hpp"
#include "media_probe.hpp"

#include "ingest/raw_recording.hpp"
#include "storage/catalog.hpp"
#include "storage/layout.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <unistd.h>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using tafel::test::ChildProcess;
using tafel::test::run_command;

namespace {

void must(const std::vector<std::string>& argv) {
    const auto r = run_command(argv);
    std::string line;
    for (const auto& a : argv) line += a + " ";
    INFO(line);
    REQUIRE(r.status == 0);
}

// Two namespaces "hosts", each linked to the root namespace by a veth pair on its own /24.
struct Hosts {
    std::string tag = fmt::format("{}", ::getpid() % 100000);
    std::vector<std::string> names;
    std::vector<std::string> server_side; // the database's address as seen from each host

    Hosts() {
        for (int i = 1; i <= 2; ++i) {
            const std::string ns = fmt::format("tafel-h{}-{}", i, tag);
            const std::string outer = fmt::format("tfo{}{}", i, tag), inner = fmt::format("tfi{}{}", i, tag);
            const std::string net = fmt::format("10.231.{}", i);
            run_command({"ip", "netns", "del", ns}); // a leftover of an aborted run
            must({"ip", "netns", "add", ns});
            names.push_back(ns);
            must({"ip", "link", "add", outer, "type", "veth", "peer", "name", inner});
            must({"ip", "link", "set", inner, "netns", ns});
            must({"ip", "addr", "add", net + ".1/24", "dev", outer});
            must({"ip", "link", "set", outer, "up"});
            must({"ip", "netns", "exec", ns, "ip", "addr", "add", net + ".2/24", "dev", inner});
            must({"ip", "netns", "exec", ns, "ip", "link", "set", inner, "up"});
            must({"ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"});
            server_side.push_back(net + ".1");
        }
    }
    ~Hosts() {
        for (const auto& ns : names) run_command({"ip", "netns", "del", ns}); // removes the veth pairs too
    }
};

struct PgServer {
    std::string dir = fmt::format("/tmp/tafel-pg-hosts-{}", ::getpid());
    std::string url;
    PgServer(const std::string& extra_listen) {
        const auto r = run_command({"env", "PG_EXTRA_LISTEN=" + extra_listen, "PG_TRUST_NET=10.231.0.0/16", "bash",
                                    std::string(TAFEL_SOURCE_DIR) + "/scripts/pg-test-server.sh", "start", dir});
        REQUIRE(r.status == 0);
        url = r.out.substr(0, r.out.find('\n'));
    }
    ~PgServer() { run_command({"bash", std::string(TAFEL_SOURCE_DIR) + "/scripts/pg-test-server.sh", "stop", dir}); }
    // The same server, reached at `host` instead of 127.0.0.1.
    std::string url_at(const std::string& host) const {
        std::string u = url;
        u.replace(u.find("127.0.0.1"), 9, host);
        return u;
    }
};

void make_recording(const tafel::storage::Layout& layout, tafel::storage::Catalog& catalog, const std::string& id) {
    tafel::ingest::RecordingInfo info;
    info.id = id;
    info.meeting = {"m-" + id, "Zwei Rechner", "klasse-10c"};
    info.started = tafel::WallTime{1'700'000'000'000'000};
    info.stopped = tafel::WallTime{1'700'000'004'000'000};
    fs::create_directories(layout.raw_dir(id));
    REQUIRE(tafel::ingest::write_recording_info(layout.raw_dir(id), info).has_value());
    std::ofstream(layout.raw_dir(id) / "events.jsonl").flush();
    tafel::storage::RecordingRow row;
    row.id = id;
    row.meeting_id = info.meeting.id;
    row.state = tafel::storage::RecordingState::stopped;
    REQUIRE(catalog.put_recording(row).has_value());
}

} // namespace

TEST_CASE("workers on two hosts (network namespaces) drain one PostgreSQL queue together", "[e2e][netns]") {
    REQUIRE(::geteuid() == 0); // ip netns needs root; CI runs as root
    Hosts hosts;
    PgServer pg(fmt::format("{},{}", hosts.server_side[0], hosts.server_side[1]));
    REQUIRE(pg.url.starts_with("postgresql://"));

    const fs::path data = fs::path(TAFEL_BINARY_DIR) / "e2e" / fmt::format("two-hosts-{}", ::getpid());
    fs::remove_all(data);
    tafel::storage::Layout layout(data); // the shared storage both hosts mount
    REQUIRE(layout.ensure().has_value());
    auto catalog = tafel::storage::Catalog::open(pg.url).value();
    constexpr int k_jobs = 12;
    std::map<std::int64_t, std::string> jobs;
    for (int i = 0; i < k_jobs; ++i) {
        const std::string id = fmt::format("lesson-{:02}", i);
        make_recording(layout, *catalog, id);
        jobs[catalog->enqueue(id, "render").value()] = id;
    }

    // From inside a namespace the root namespace's 127.0.0.1 is unreachable: the database is
    // only reachable over the veth link, as from another machine.
    const auto isolated = run_command({"ip", "netns", "exec", hosts.names[0], TAFEL_EXECUTABLE, "jobs", "list",
                                       "--database", pg.url});
    CHECK(isolated.status != 0);

    std::vector<std::unique_ptr<ChildProcess>> workers;
    for (int i = 0; i < 2; ++i) {
        workers.push_back(std::make_unique<ChildProcess>(
            std::vector<std::string>{"ip", "netns", "exec", hosts.names[i], TAFEL_EXECUTABLE, "worker", "--data-dir",
                                     data.string(), "--database", pg.url_at(hosts.server_side[i]), "--job-poll-ms",
                                     "100", "--encoder-threads", "1"},
            (data / fmt::format("worker-{}.log", i + 1)).string()));
        REQUIRE(workers.back()->wait_for_line("worker ready", 60s));
    }

    const auto deadline = std::chrono::steady_clock::now() + 300s;
    std::vector<tafel::storage::Job> done;
    while (std::chrono::steady_clock::now() < deadline) {
        done.clear();
        for (const auto& [job, id] : jobs) {
            auto j = catalog->job(job).value();
            if (j && j->state == tafel::storage::JobState::succeeded) done.push_back(*j);
        }
        if (done.size() == jobs.size()) break;
        std::this_thread::sleep_for(100ms); // polling step of a bounded wait
    }
    REQUIRE(done.size() == jobs.size());

    // Every job ran once, and each host ran some: its worker names carry the process id
    // ("<host>-<pid>-<thread>"), and `ip netns exec` execs tafel in place, keeping the pid.
    std::map<int, int> per_host;
    for (const auto& j : done) {
        INFO("job " << j.id << " by " << j.worker);
        CHECK(j.attempts == 1);
        for (int i = 0; i < 2; ++i) {
            if (j.worker.find(fmt::format("-{}-", workers[i]->pid())) != std::string::npos) ++per_host[i];
        }
    }
    CHECK(per_host[0] + per_host[1] == k_jobs);
    CHECK(per_host[0] >= 1);
    CHECK(per_host[1] >= 1);
    for (const auto& [job, id] : jobs) {
        INFO(id);
        CHECK(tafel::test::probe(layout.published_dir(id) / "lesson.mp4").duration_s == Approx(4.0).margin(0.2));
        CHECK(catalog->recording(id).value()->state == tafel::storage::RecordingState::published);
    }
    for (auto& w : workers) CHECK(w->stop(SIGTERM, 60s) == 0);
    fs::remove_all(data);
}
