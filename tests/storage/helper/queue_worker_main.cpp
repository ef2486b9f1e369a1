// tafel_queue_worker <catalog-url> <worker-name> <output-file>: one worker process of the
// stress test. Claims jobs until none is runnable; each job's side effect is one line
// "<job id> <worker>\n" appended to the output file (O_APPEND: concurrent appends of a
// short line by several processes do not interleave), then the job is marked succeeded.
#include "storage/catalog.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
    using namespace std::chrono_literals;
    if (argc != 4) {
        fmt::print(stderr, "usage: tafel_queue_worker <catalog-url> <worker-name> <output-file>\n");
        return 2;
    }
    const std::string url = argv[1];
    const std::string worker = argv[2];
    auto catalog = tafel::storage::Catalog::open(url);
    if (!catalog) {
        fmt::print(stderr, "{}: {}\n", worker, catalog.error().describe());
        return 1;
    }
    const int fd = ::open(argv[3], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        fmt::print(stderr, "{}: open {}: {}\n", worker, argv[3], std::strerror(errno));
        return 1;
    }
    int done = 0;
    for (;;) {
        auto claimed = (*catalog)->claim(worker, 60s);
        if (!claimed) {
            fmt::print(stderr, "{}: claim: {}\n", worker, claimed.error().describe());
            return 1;
        }
        if (!*claimed) break;
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
