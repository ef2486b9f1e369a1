// tafel reprocess: BigBlueButton raw archives (whole trees of them) → imported, rendered
// through the queue and published, resumably (archive/batch.hpp; docs/archive.md).
#include "app/commands.hpp"
#include "app/common_options.hpp"

#include "archive/batch.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <atomic>
#include <csignal>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <thread>
#include <unistd.h>

namespace tafel::app {

namespace {

struct ReprocessFlags {
    CommonOptions common;
    std::vector<std::string> roots;
    std::string since;
    std::string formats = "webm,mp4";
    int parallel = 1;
    bool dry_run = false;
    bool force = false;
    std::string report;
};

// "YYYY-MM-DD" (UTC midnight) → µs.
std::int64_t parse_date(const std::string& s) {
    std::tm tm{};
    const char* end = strptime(s.c_str(), "%Y-%m-%d", &tm);
    if (end == nullptr || *end != '\0') throw std::runtime_error("--since: \"" + s + "\" is not a date (YYYY-MM-DD)");
    return static_cast<std::int64_t>(timegm(&tm)) * 1'000'000;
}

std::string bar(int permille, int width) {
    const int filled = std::clamp(permille, 0, 1000) * width / 1000;
    return std::string(static_cast<std::size_t>(filled), '#') + std::string(static_cast<std::size_t>(width - filled), '.');
}

std::string duration(std::int64_t ms) {
    const std::int64_t s = ms / 1000;
    return s >= 3600 ? fmt::format("{}h{:02}m", s / 3600, s / 60 % 60) : fmt::format("{}m{:02}s", s / 60, s % 60);
}

// Progress: redrawn bars on a terminal, a plain line per change of a tenth elsewhere (logs).
class ProgressView {
public:
    explicit ProgressView(bool tty) : tty_(tty) {}

    void update(const archive::BatchProgress& p) {
        const std::string eta = p.eta_ms ? duration(*p.eta_ms) : "?";
        if (!tty_) {
            if (p.permille / 100 != last_tenth_ || p.finished != last_finished_) {
                last_tenth_ = p.permille / 100;
                last_finished_ = p.finished;
                fmt::print("reprocess: {}/{} done, {}.{}% of the recorded time, {} running, ETA {}\n", p.finished,
                           p.total, p.permille / 10, p.permille % 10, p.running.size(), eta);
                std::fflush(stdout);
            }
            return;
        }
        std::string out;
        for (int i = 0; i < drawn_; ++i) out += "\x1b[1A\x1b[2K"; // up one line and clear it
        for (const auto& r : p.running) {
            out += fmt::format("  {:<48} [{}] {:>3}%\n", r.recording_id.substr(0, 48), bar(r.permille, 30), r.permille / 10);
        }
        out += fmt::format("batch {:>4}/{:<4}{:>41}[{}] {:>3}%  ETA {}\n", p.finished, p.total, "", bar(p.permille, 30),
                           p.permille / 10, eta);
        drawn_ = static_cast<int>(p.running.size()) + 1;
        fmt::print("{}", out);
        std::fflush(stdout);
    }

    void archive_done(const archive::ArchiveResult& r) {
        if (tty_ && drawn_ > 0) {
            std::string out;
            for (int i = 0; i < drawn_; ++i) out += "\x1b[1A\x1b[2K";
            fmt::print("{}", out);
            drawn_ = 0;
        }
        fmt::print("{:<9} {} {}{}\n", archive::to_string(r.outcome), r.recording_id.empty() ? "-" : r.recording_id,
                   r.archive.string(), r.outcome == archive::ArchiveOutcome::failed ? ": " + r.reason : "");
        std::fflush(stdout);
    }

private:
    bool tty_;
    int drawn_ = 0;
    int last_tenth_ = -1;
    int last_finished_ = -1;
};

int run_reprocess(const ReprocessFlags& f) {
    const Config config = f.common.load();
    archive::BatchOptions o;
    for (const auto& r : f.roots) o.roots.emplace_back(r);
    o.data_dir = config.data_dir;
    o.database_url = config.effective_database_url();
    if (!f.since.empty()) o.since_utc_us = parse_date(f.since);
    if (f.parallel < 1) throw std::runtime_error("--parallel: must be at least 1");
    o.parallel = f.parallel;
    o.dry_run = f.dry_run;
    o.force = f.force;
    o.player_url = config.effective_public_url();
    o.render.output.webm = f.formats.find("webm") != std::string::npos;
    o.render.output.mp4 = f.formats.find("mp4") != std::string::npos;
    if (!o.render.output.webm && !o.render.output.mp4) {
        throw std::runtime_error("--formats: \"" + f.formats + "\" names neither webm nor mp4");
    }
    o.render.output.threads = 1; // parallelism is across recordings
    std::atomic<bool> stop{false};
    o.stop = &stop;

    ProgressView view(isatty(STDOUT_FILENO) == 1);
    std::atomic<bool> finished{false};
    Result<archive::BatchResult> result = fail(Errc::internal, "not run");
    std::thread batch([&] {
        result = archive::run_batch(
            o, [&](const archive::BatchProgress& p) { view.update(p); },
            [&](const archive::ArchiveResult& r) { view.archive_done(r); });
        finished = true;
    });
    // SIGINT/SIGTERM are blocked in every thread (main.cpp); take them here synchronously.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    const timespec tick{0, 100'000'000};
    int stopped_by = 0;
    while (!finished) {
        const int sig = sigtimedwait(&set, nullptr, &tick);
        if (sig > 0 && !stop) {
            fmt::print(stderr,
                       "reprocess: {} — stopping: no new render starts, running ones are cancelled and "
                       "their work folders removed, nothing is half-published\n",
                       sig == SIGINT ? "SIGINT" : "SIGTERM");
            stopped_by = sig;
            stop = true;
        }
    }
    batch.join();
    if (!result) {
        fmt::print(stderr, "tafel reprocess: {}\n", result.error().describe());
        return 1;
    }
    fmt::print("\n{}", archive::summary_table(*result));
    if (!f.report.empty()) {
        if (auto w = archive::write_batch_report(f.report, *result); !w) {
            fmt::print(stderr, "tafel reprocess: {}\n", w.error().describe());
            return 1;
        }
    }
    // The shell's convention for a command ended by a signal: 128 + its number (130 for SIGINT).
    if (result->interrupted) return 128 + (stopped_by != 0 ? stopped_by : SIGINT);
    return result->failed > 0 ? 1 : 0;
}

} // namespace

void add_reprocess_command(CLI::App& app, Action& chosen) {
    auto* cmd = app.add_subcommand(
        "reprocess",
        "Import BigBlueButton raw archives (folders with events.xml) found under ROOT… and render them "
        "through the queue; finished ones are skipped unless --force. Ctrl-C stops cleanly.");
    auto flags = std::make_shared<ReprocessFlags>();
    flags->common.add_to(*cmd);
    cmd->add_option("ROOT", flags->roots, "archive folders or trees of them")->required()->check(CLI::ExistingDirectory);
    cmd->add_option("--since", flags->since, "only archives recorded on or after this date (YYYY-MM-DD, UTC)");
    cmd->add_option("--formats", flags->formats, "outputs: webm, mp4 or webm,mp4")->capture_default_str();
    cmd->add_option("--parallel", flags->parallel, "recordings rendered at once")->capture_default_str();
    cmd->add_flag("--dry-run", flags->dry_run, "list what would be done; write nothing");
    cmd->add_flag("--force", flags->force, "reprocess archives already published");
    cmd->add_option("--report", flags->report, "write the outcome of every archive as JSON to this file");
    cmd->callback([&chosen, flags] { chosen = [flags] { return run_reprocess(*flags); }; });
}

} // namespace tafel::app
