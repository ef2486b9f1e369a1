#include "archive/batch.hpp"

#include "archive/importer.hpp"
#include "archive/metadata_xml.hpp"
#include "core/log.hpp"
#include "storage/catalog.hpp"
#include "storage/submission.hpp"
#include "transcode/job_runner.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <thread>

namespace tafel::archive {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string to_string(ArchiveOutcome o) {
    switch (o) {
    case ArchiveOutcome::ok: return "ok";
    case ArchiveOutcome::failed: return "failed";
    case ArchiveOutcome::skipped: return "skipped";
    case ArchiveOutcome::planned: return "planned";
    case ArchiveOutcome::cancelled: return "cancelled";
    }
    return "?";
}

std::vector<fs::path> find_archives(const std::vector<fs::path>& roots) {
    std::vector<fs::path> found;
    for (const auto& root : roots) {
        std::error_code ec;
        if (fs::is_regular_file(root / "events.xml", ec)) {
            found.push_back(root);
            continue;
        }
        for (fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
             !ec && it != end; it.increment(ec)) {
            if (it->is_directory(ec) && fs::is_regular_file(it->path() / "events.xml", ec)) {
                found.push_back(it->path());
                it.disable_recursion_pending(); // an archive's own folders hold no archives
            }
        }
    }
    std::sort(found.begin(), found.end());
    found.erase(std::unique(found.begin(), found.end()), found.end());
    return found;
}

namespace {

std::int64_t bytes_under(const fs::path& dir) {
    std::int64_t total = 0;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file(ec)) total += static_cast<std::int64_t>(it->file_size(ec));
    }
    return total;
}

struct Pending {
    std::size_t index = 0; // into results
    ImportReport report;
    Clock::time_point enqueued;
};

bool finished(const storage::Layout& layout, storage::Catalog& catalog, const std::string& id) {
    auto row = catalog.recording(id);
    if (!row || !*row || (*row)->state != storage::RecordingState::published) return false;
    std::error_code ec;
    return fs::is_regular_file(layout.published_dir(id) / "metadata.xml", ec);
}

// BBB's metadata.xml for a rendered archive; processing time and size are filled in when
// the render is done.
PublishedMetadata metadata_for(const ImportReport& rep, const std::string& player_url, const fs::path& archive) {
    PublishedMetadata m;
    m.recording_id = rep.recording_id;
    m.meeting_id = rep.meeting_id;
    m.external_id = rep.external_id;
    m.name = rep.title;
    m.start_time_ms = rep.started_utc_us / 1000;
    m.end_time_ms = (rep.started_utc_us + rep.duration_us) / 1000;
    m.participants = rep.participants;
    m.meta = rep.metadata;
    m.link = fmt::format("{}/r/{}", player_url, rep.recording_id);
    m.duration_ms = rep.recorded_us / 1000;
    m.raw_size_bytes = bytes_under(archive);
    return m;
}

constexpr const char* k_not_started = "not looked at: interrupted (Ctrl-C) before it, the next run takes it up";
constexpr const char* k_cancelled = "interrupted (Ctrl-C): nothing published, resumes on the next run";

} // namespace

Result<BatchResult> run_batch(const BatchOptions& options, const std::function<void(const BatchProgress&)>& on_progress,
                              const std::function<void(const ArchiveResult&)>& on_archive) {
    auto logger = log::get("archive");
    const auto started = Clock::now();
    const auto stop_requested = [&] { return options.stop != nullptr && options.stop->load(); };
    const auto report = [&](const ArchiveResult& r) {
        if (on_archive) on_archive(r);
    };
    const storage::Layout layout(options.data_dir);
    if (!options.dry_run) {
        if (auto ok = layout.ensure(); !ok) return std::unexpected(ok.error());
    }
    auto catalog = storage::Catalog::open(options.database_url);
    if (!catalog) return std::unexpected(catalog.error());

    BatchResult result;
    std::vector<Pending> pending;
    for (const auto& dir : find_archives(options.roots)) {
        if (stop_requested()) {
            // Listed, so that the summary says what is left for the next run.
            result.interrupted = true;
            ArchiveResult r;
            r.archive = dir;
            r.outcome = ArchiveOutcome::cancelled;
            r.reason = k_not_started;
            result.archives.push_back(r);
            report(r);
            continue;
        }
        ArchiveResult r;
        r.archive = dir;
        auto identity = identify_archive(dir);
        if (!identity) {
            r.outcome = ArchiveOutcome::failed;
            r.reason = identity.error().message;
            result.archives.push_back(r);
            report(r);
            continue;
        }
        if (options.since_utc_us && identity->started_utc_us < *options.since_utc_us) continue;
        r.recording_id = identity->recording_id;
        r.recorded_ms = identity->recorded_us / 1000;
        if (!options.force && finished(layout, **catalog, r.recording_id)) {
            r.outcome = ArchiveOutcome::skipped;
            r.reason = "already published";
            result.archives.push_back(r);
            report(r);
            continue;
        }
        if (options.dry_run) {
            r.outcome = ArchiveOutcome::planned;
            result.archives.push_back(r);
            report(r);
            continue;
        }
        auto imported = import_archive(dir, layout.raw_dir(r.recording_id));
        if (imported) r.unsupported = imported->unsupported;
        storage::RecordingRow row;
        row.id = r.recording_id;
        row.meeting_id = identity->meeting_id;
        row.title = identity->title;
        row.started_utc_us = identity->started_utc_us;
        if (imported) row.context = imported->metadata.contains("bbb-context") ? imported->metadata.at("bbb-context") : "";
        row.state = imported ? storage::RecordingState::stopped : storage::RecordingState::failed;
        row.error = imported ? "" : imported.error().message;
        if (auto put = (*catalog)->put_recording(row); !put) return std::unexpected(put.error());
        if (!imported) {
            r.outcome = ArchiveOutcome::failed;
            r.reason = imported.error().message;
            result.archives.push_back(r);
            report(r);
            continue;
        }
        for (const auto& w : imported->warnings) logger->warn("{}: {}", dir.string(), w);
        // A batch re-renders whole lessons that were already over: an audio-only preview
        // (progressive publishing, for lessons that just ended) would only add work, and a
        // Ctrl-C would leave it queued behind the cancelled renders.
        auto job = storage::submit_recording(**catalog, r.recording_id,
                                             {.render_priority = options.priority, .preview = false});
        if (!job) return std::unexpected(job.error());
        r.job_id = job->render;
        result.archives.push_back(r);
        pending.push_back(Pending{result.archives.size() - 1, std::move(*imported), Clock::now()});
    }

    if (!pending.empty() && stop_requested()) {
        // Interrupted while importing: no render starts. The imported raw recordings stay
        // (state stopped); the next run imports them afresh.
        result.interrupted = true;
        for (const auto& p : pending) {
            ArchiveResult& r = result.archives[p.index];
            if (auto c = (*catalog)->cancel(r.job_id); !c) return std::unexpected(c.error());
            r.outcome = ArchiveOutcome::cancelled;
            r.reason = k_cancelled;
            report(r);
        }
        pending.clear();
    }

    if (!pending.empty()) {
        // metadata.xml goes into the work folder before the runner publishes it, so that it
        // is checksummed with the lesson and appears with it: a published folder is whole.
        std::map<std::string, std::pair<PublishedMetadata, Clock::time_point>> metadata;
        for (const auto& p : pending) {
            metadata[p.report.recording_id] = {
                metadata_for(p.report, options.player_url, result.archives[p.index].archive), p.enqueued};
        }
        transcode::JobRunnerOptions runner_options;
        runner_options.before_publish = [&metadata](const std::string& id, const fs::path& work) -> Result<void> {
            const auto it = metadata.find(id); // read-only while the runner runs
            if (it == metadata.end()) return {};
            PublishedMetadata m = it->second.first;
            m.processing_time_ms =
                std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - it->second.second).count();
            m.size_bytes = bytes_under(work);
            return write_metadata_xml(work, m);
        };
        runner_options.database_url = options.database_url;
        runner_options.worker_name = "reprocess";
        runner_options.concurrency = std::max(1, options.parallel);
        runner_options.light_lane = false;
        runner_options.poll = std::chrono::milliseconds(100);
        runner_options.render = options.render;
        auto runner = transcode::JobRunner::create(runner_options, layout);
        if (!runner) return std::unexpected(runner.error());
        (*runner)->start();

        std::int64_t total_recorded = 0;
        for (const auto& p : pending) total_recorded += result.archives[p.index].recorded_ms;
        std::vector<bool> done(pending.size(), false);
        std::size_t remaining = pending.size();
        bool cancelling = false;
        while (remaining > 0) {
            if (stop_requested() && !cancelling) {
                // Stop cleanly: no further job starts, running ones stop at their next
                // heartbeat and the runner removes their work folders.
                cancelling = true;
                result.interrupted = true;
                for (std::size_t k = 0; k < pending.size(); ++k) {
                    if (!done[k]) (void)(*catalog)->cancel(result.archives[pending[k].index].job_id);
                }
            }
            BatchProgress progress;
            std::int64_t recorded_done = 0;
            for (std::size_t k = 0; k < pending.size(); ++k) {
                ArchiveResult& r = result.archives[pending[k].index];
                if (done[k]) {
                    recorded_done += r.recorded_ms;
                    continue;
                }
                auto job = (*catalog)->job(r.job_id);
                if (!job) return std::unexpected(job.error());
                if (!*job) continue;
                const storage::Job& j = **job;
                if (j.state == storage::JobState::running) {
                    progress.running.push_back(RunningJob{r.recording_id, j.progress_permille});
                    recorded_done += r.recorded_ms * j.progress_permille / 1000;
                }
                const bool final = j.state == storage::JobState::succeeded || j.state == storage::JobState::failed ||
                                   j.state == storage::JobState::cancelled;
                if (!final) continue;
                done[k] = true;
                --remaining;
                r.processing_ms =
                    std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - pending[k].enqueued).count();
                if (j.state == storage::JobState::succeeded) {
                    r.outcome = ArchiveOutcome::ok;
                } else if (j.state == storage::JobState::cancelled) {
                    r.outcome = ArchiveOutcome::cancelled;
                    r.reason = k_cancelled;
                } else {
                    r.outcome = ArchiveOutcome::failed;
                    r.reason = j.error.empty() ? "render failed" : j.error;
                }
                report(r);
            }
            progress.total = static_cast<int>(pending.size());
            progress.finished = static_cast<int>(pending.size() - remaining);
            progress.elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
            progress.permille = total_recorded > 0 ? static_cast<int>(recorded_done * 1000 / total_recorded) : 0;
            if (recorded_done > 0 && total_recorded > recorded_done) {
                progress.eta_ms = progress.elapsed_ms * (total_recorded - recorded_done) / recorded_done;
            }
            if (on_progress) on_progress(progress);
            if (remaining > 0) std::this_thread::sleep_for(options.poll);
        }
        (*runner)->stop(); // joins the workers: no render runs past this line
        for (const auto& p : pending) {
            ArchiveResult& r = result.archives[p.index];
            if (r.outcome != ArchiveOutcome::cancelled) continue;
            // A cancelled render leaves its recording "processing" (the runner does not
            // touch it): back to stopped, imported and waiting. One that published just
            // before its cancel took effect is whole (metadata.xml included): count it.
            if (finished(layout, **catalog, r.recording_id)) {
                r.outcome = ArchiveOutcome::ok;
                r.reason.clear();
                continue;
            }
            auto row = (*catalog)->recording(r.recording_id);
            if (row && *row && (*row)->state == storage::RecordingState::processing) {
                if (auto s = (*catalog)->set_recording_state(r.recording_id, storage::RecordingState::stopped); !s)
                    return std::unexpected(s.error());
            }
        }
    }

    for (const auto& r : result.archives) {
        switch (r.outcome) {
        case ArchiveOutcome::ok:
            ++result.ok;
            result.recorded_ms_processed += r.recorded_ms;
            break;
        case ArchiveOutcome::failed: ++result.failed; break;
        case ArchiveOutcome::skipped: ++result.skipped; break;
        case ArchiveOutcome::cancelled: ++result.cancelled; break;
        case ArchiveOutcome::planned: break;
        }
    }
    result.wall_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
    return result;
}

std::string summary_table(const BatchResult& result) {
    std::string out = fmt::format("{:<9} {:<48} {}\n", "outcome", "recording", "archive / reason");
    for (const auto& r : result.archives) {
        out += fmt::format("{:<9} {:<48} {}\n", to_string(r.outcome), r.recording_id.empty() ? "-" : r.recording_id,
                           r.archive.string());
        if (!r.reason.empty() && r.outcome != ArchiveOutcome::skipped) out += fmt::format("{:>59}{}\n", "", r.reason);
        for (const auto& [name, count] : r.unsupported) {
            out += fmt::format("{:>59}unsupported, skipped: {} x{}\n", "", name, count);
        }
    }
    out += fmt::format("{} ok, {} failed, {} skipped{}{}\n", result.ok, result.failed, result.skipped,
                       result.cancelled > 0 ? fmt::format(", {} left for the next run", result.cancelled) : "",
                       result.interrupted ? " (interrupted)" : "");
    return out;
}

Result<void> write_batch_report(const fs::path& file, const BatchResult& result) {
    nlohmann::json j{{"ok", result.ok},           {"failed", result.failed},
                     {"skipped", result.skipped}, {"cancelled", result.cancelled},
                     {"interrupted", result.interrupted}, {"wall_ms", result.wall_ms},
                     {"recorded_ms_processed", result.recorded_ms_processed}, {"archives", nlohmann::json::array()}};
    for (const auto& r : result.archives) {
        j["archives"].push_back({{"archive", r.archive.string()}, {"recording_id", r.recording_id},
                                 {"outcome", to_string(r.outcome)}, {"reason", r.reason}, {"recorded_ms", r.recorded_ms},
                                 {"processing_ms", r.processing_ms}, {"unsupported", r.unsupported}});
    }
    auto tmp = file;
    tmp += ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << j.dump(2) << "\n";
        if (!out) return fail(Errc::io, fmt::format("write {}: failed", tmp.string()));
    }
    std::error_code ec;
    fs::rename(tmp, file, ec);
    if (ec) return fail(Errc::io, fmt::format("rename {}: {}", file.string(), ec.message()));
    return {};
}

} // namespace tafel::archive
