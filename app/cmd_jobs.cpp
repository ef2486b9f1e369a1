// tafel jobs list | show | submit | retry | cancel | purge: the processing queue, on whichever
// database the config names (SQLite or PostgreSQL).
#include "app/commands.hpp"
#include "app/common_options.hpp"
#include "app/duration_arg.hpp"

#include "ingest/catalog_row.hpp"
#include "ingest/raw_recording.hpp"
#include "storage/catalog.hpp"
#include "storage/layout.hpp"
#include "storage/submission.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace tafel::app {

namespace {

std::unique_ptr<storage::Catalog> open_jobs_catalog(const Config& config) {
    auto catalog = storage::Catalog::open(config.effective_database_url());
    if (!catalog) throw std::runtime_error(catalog.error().describe());
    return std::move(*catalog);
}

template <typename T>
T or_throw(Result<T> r) {
    if (!r) throw std::runtime_error(r.error().describe());
    return std::move(*r);
}

void or_throw(Result<void> r) {
    if (!r) throw std::runtime_error(r.error().describe());
}

std::string eta_text(const storage::Job& job, std::int64_t now_utc_us) {
    const auto eta = storage::eta_us(job, now_utc_us);
    if (!eta) return "-";
    const std::int64_t s = *eta / 1'000'000;
    return s >= 3600 ? fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60) : fmt::format("{}m{:02}s", s / 60, s % 60);
}

void print_table(const std::vector<storage::Job>& jobs, std::int64_t now_utc_us) {
    fmt::print("{:>6} {:<10} {:<10} {:>4} {:>8} {:>6} {:>7}  {:<20} {}\n", "JOB", "KIND", "STATE", "PRIO",
               "ATTEMPTS", "DONE", "ETA", "RECORDING", "WORKER / ERROR");
    for (const auto& j : jobs) {
        const std::string who = !j.error.empty() ? j.error : j.worker;
        fmt::print("{:>6} {:<10} {:<10} {:>4} {:>5}/{:<2} {:>5}% {:>7}  {:<20} {}\n", j.id, j.kind,
                   storage::to_string(j.state), j.priority, j.attempts, j.max_attempts, j.progress_permille / 10,
                   eta_text(j, now_utc_us), j.recording_id, who);
    }
}

// Registers one `jobs <name>` subcommand with the common flags; `body` runs on the catalog.
template <typename Body>
CLI::App* add_jobs_command(CLI::App& jobs, Action& chosen, const char* name, const char* help, Body body) {
    auto* cmd = jobs.add_subcommand(name, help);
    auto common = std::make_shared<CommonOptions>();
    common->add_to(*cmd);
    cmd->callback([&chosen, common, body] {
        chosen = [common, body] {
            auto catalog = open_jobs_catalog(common->load());
            return body(*catalog);
        };
    });
    return cmd;
}

// A finished raw recording under <data>/raw/<id>/ that no recorder submitted (made by
// `tafel import`, or copied from another machine): registered as stopped when the catalog
// does not know it, then submitted as a session stop submits it — its render and its
// audio-only preview (storage/submission.hpp).
void add_submit_command(CLI::App& jobs, Action& chosen) {
    auto* cmd = jobs.add_subcommand(
        "submit", "Queue a finished raw recording (<data>/raw/RECORDING_ID/) for processing: its render and its "
                  "audio-only preview, as a recorder's session stop does.");
    auto common = std::make_shared<CommonOptions>();
    common->add_to(*cmd);
    auto id = std::make_shared<std::string>();
    cmd->add_option("RECORDING_ID", *id, "a folder under <data>/raw/")->required();
    cmd->callback([&chosen, common, id] {
        chosen = [common, id] {
            const Config config = common->load();
            const storage::Layout layout(config.data_dir);
            auto info = or_throw(ingest::read_recording_info(layout.raw_dir(*id)));
            if (info.id != *id)
                throw std::runtime_error(fmt::format("{}: recording.json names the recording {}", *id, info.id));
            if (!info.stopped)
                throw std::runtime_error(fmt::format("recording {} is still being recorded (not stopped)", *id));
            auto catalog = open_jobs_catalog(config);
            if (!or_throw(catalog->recording(*id)))
                or_throw(catalog->put_recording(ingest::catalog_row(info, storage::RecordingState::stopped)));
            const auto submitted = or_throw(storage::submit_recording(*catalog, *id));
            fmt::print("recording {}: render job {}", *id, submitted.render);
            if (submitted.preview) fmt::print(", audio-only preview job {}", *submitted.preview);
            fmt::print("\n");
            return 0;
        };
    });
}

} // namespace

void add_jobs_commands(CLI::App& app, Action& chosen) {
    auto* jobs = app.add_subcommand("jobs", "Inspect and manage the processing queue.");
    jobs->require_subcommand(1);

    auto limit = std::make_shared<std::size_t>(50);
    auto* list = add_jobs_command(*jobs, chosen, "list", "The newest jobs of every recording, with progress and ETA.",
                                  [limit](storage::Catalog& catalog) {
                                      const auto now = or_throw(catalog.now_utc_us());
                                      print_table(or_throw(catalog.jobs(*limit)), now);
                                      return 0;
                                  });
    list->add_option("--limit", *limit, "at most this many jobs (default 50)");
    add_submit_command(*jobs, chosen);

    auto target = std::make_shared<std::string>();
    auto* show = add_jobs_command(
        *jobs, chosen, "show", "One job in detail (JOB_ID), or every job of a recording (RECORDING_ID).",
        [target](storage::Catalog& catalog) {
            const auto now = or_throw(catalog.now_utc_us());
            const bool numeric = !target->empty() && std::all_of(target->begin(), target->end(),
                                                                  [](char c) { return c >= '0' && c <= '9'; });
            if (numeric) {
                if (auto job = or_throw(catalog.job(std::stoll(*target)))) {
                    const auto& j = *job;
                    fmt::print("job {}\n  recording  {}\n  kind       {}\n  state      {}\n  priority   {}\n"
                               "  attempts   {} of {}\n  worker     {}\n  progress   {}%\n  eta        {}\n"
                               "  error      {}\n",
                               j.id, j.recording_id, j.kind, storage::to_string(j.state), j.priority, j.attempts,
                               j.max_attempts, j.worker.empty() ? "-" : j.worker, j.progress_permille / 10,
                               eta_text(j, now), j.error.empty() ? "-" : j.error);
                    return 0;
                }
            }
            auto rows = or_throw(catalog.jobs_of(*target));
            if (rows.empty() && numeric) throw std::runtime_error(fmt::format("no job or recording {}", *target));
            print_table(rows, now);
            return 0;
        });
    show->add_option("ID", *target, "a job id or a recording id")->required();

    auto retry_id = std::make_shared<std::int64_t>(0);
    auto* retry = add_jobs_command(*jobs, chosen, "retry", "Queue a failed or cancelled job again (fresh attempts).",
                                   [retry_id](storage::Catalog& catalog) {
                                       or_throw(catalog.retry(*retry_id));
                                       fmt::print("job {} queued again\n", *retry_id);
                                       return 0;
                                   });
    retry->add_option("JOB_ID", *retry_id, "the job")->required();

    auto cancel_id = std::make_shared<std::int64_t>(0);
    auto* cancel = add_jobs_command(*jobs, chosen, "cancel",
                                    "Cancel a queued or running job (a running worker stops at its next heartbeat).",
                                    [cancel_id](storage::Catalog& catalog) {
                                        or_throw(catalog.cancel(*cancel_id));
                                        fmt::print("job {} cancelled\n", *cancel_id);
                                        return 0;
                                    });
    cancel->add_option("JOB_ID", *cancel_id, "the job")->required();

    auto older_than = std::make_shared<std::string>("7d");
    auto* purge = add_jobs_command(
        *jobs, chosen, "purge", "Delete finished (succeeded, failed, cancelled) jobs older than --older-than.",
        [older_than](storage::Catalog& catalog) {
            std::string text = *older_than;
            std::int64_t days = 0;
            // Days are not in parse_duration_ms; "7d" is the natural unit here.
            if (!text.empty() && text.back() == 'd') {
                days = std::stoll(text.substr(0, text.size() - 1));
                text = "0";
            }
            const auto ms = text == "0" ? Result<std::int64_t>(0) : parse_duration_ms(text);
            if (!ms) throw std::runtime_error(fmt::format("--older-than {}: {}", *older_than, ms.error().message));
            const std::int64_t age_us = (*ms + days * 86'400'000) * 1000;
            const auto now = or_throw(catalog.now_utc_us());
            const auto purged = or_throw(catalog.purge(now - age_us));
            fmt::print("purged {} jobs\n", purged);
            return 0;
        });
    purge->add_option("--older-than", *older_than, "age of the jobs to delete: 7d, 12h, 30m, 0 (default 7d)");
}

} // namespace tafel::app
