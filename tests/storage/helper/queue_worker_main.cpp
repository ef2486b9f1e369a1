// tafel_queue_worker <catalog-url> <worker-name> <output-file> [run|hang]: one worker process
// of the multi-process queue tests.
//   run   says "ready", waits for "<output-file>.go", then claims jobs until every job of the queue is final (succeeded, failed, cancelled),
//         waiting for work (LISTEN/NOTIFY or poll) while others hold leases. Each job's side
//         effect is one line "<job id> <worker>\n" appended to the output file (O_APPEND:
//         concurrent appends of a short line by several processes do not interleave), then
//         the job is marked succeeded.
//   hang  claims one job with a 1 s lease, writes its output to "<output-file>.partial"
//         (never renamed), prints "claimed <id>" and waits to be killed: a crashed worker.
#include "storage/catalog.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace {

using namespace std::chrono_literals;
using tafel::storage::Catalog;
using tafel::storage::JobState;

// True when no job is queued or running any more.
tafel::Result<bool> all_final(Catalog& catalog) {
    auto jobs = catalog.jobs(1'000'000);
    if (!jobs) return std::unexpected(jobs.error());
    return std::none_of(jobs->begin(), jobs->end(), [](const tafel::storage::Job& j) {
        return j.state == JobState::queued || j.state == JobState::running;
    });
}

int hang(Catalog& catalog, const std::string& worker, const std::string& output) {
    auto claimed = catalog.claim(worker, 1s);
    if (!claimed || !*claimed) {
        fmt::print(stderr, "{}: nothing claimed\n", worker);
        return 1;
    }
    const std::string partial = output + ".partial";
    const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    const std::string line = fmt::format("{} {} half\n", (*claimed)->id, worker);
    if (fd < 0 || ::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) return 1;
    fmt::print("claimed {}\n", (*claimed)->id);
    std::fflush(stdout);
    for (;;) ::pause(); // until SIGKILL
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 4 && argc != 5) {
        fmt::print(stderr, "usage: tafel_queue_worker <catalog-url> <worker-name> <output-file> [run|hang]\n");
        return 2;
    }
    const std::string url = argv[1];
    const std::string worker = argv[2];
    const std::string mode = argc == 5 ? argv[4] : "run";
    auto catalog = Catalog::open(url);
    if (!catalog) {
        fmt::print(stderr, "{}: {}\n", worker, catalog.error().describe());
        return 1;
    }
    if (mode == "hang") return hang(**catalog, worker, argv[3]);

    const int fd = ::open(argv[3], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        fmt::print(stderr, "{}: open {}: {}\n", worker, argv[3], std::strerror(errno));
        return 1;
    }
    // Start barrier: every process of a test opens its catalog first, says "ready", and claims
    // only once the test creates "<output-file>.go" — so that a fast backend cannot let the
    // first process drain the queue before the others have even started.
    fmt::print("ready\n");
    std::fflush(stdout);
    const std::string go = std::string(argv[3]) + ".go";
    for (int waited_ms = 0; ::access(go.c_str(), F_OK) != 0; waited_ms += 2) {
        if (waited_ms > 120'000) {
            fmt::print(stderr, "{}: {} never appeared\n", worker, go);
            return 1;
        }
        ::usleep(2000);
    }
    int done = 0;
    for (;;) {
        auto claimed = (*catalog)->claim(worker, 60s);
        if (!claimed) {
            fmt::print(stderr, "{}: claim: {}\n", worker, claimed.error().describe());
            return 1;
        }
        if (!*claimed) {
            auto finished = all_final(**catalog);
            if (!finished) {
                fmt::print(stderr, "{}: list jobs: {}\n", worker, finished.error().describe());
                return 1;
            }
            if (*finished) break;
            if (auto waited = (*catalog)->wait_for_work(1s); !waited) {
                fmt::print(stderr, "{}: wait for work: {}\n", worker, waited.error().describe());
                return 1;
            }
            continue;
        }
        const std::string line = fmt::format("{} {}\n", (*claimed)->id, worker);
        if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
            fmt::print(stderr, "{}: write: {}\n", worker, std::strerror(errno));
            return 1;
        }
        if (auto ok = (*catalog)->succeed((*claimed)->id, worker); !ok) {
            fmt::print(stderr, "{}: succeed: {}\n", worker, ok.error().describe());
            return 1;
        }
        ++done;
    }
    ::close(fd);
    fmt::print("{} ran {} jobs\n", worker, done);
    return 0;
}
