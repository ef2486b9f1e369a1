#include "transcode/job_runner.hpp"

#include "core/log.hpp"
#include "core/time.hpp"
#include "storage/catalog.hpp"
#include "transcode/preview_job.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <sys/resource.h>
#include <unistd.h>

namespace tafel::transcode {

namespace {

// Appends to the catalog's audit log when it keeps one (issue 9); a failure is logged and
// changes nothing else. Details never hold names or error texts (docs/privacy.md).
void audit(storage::Catalog& catalog, const std::string& worker, const char* action, const std::string& id,
           std::string details) {
    storage::AuditEntry entry;
    entry.actor = worker;
    entry.action = action;
    entry.recording_id = id;
    entry.details = std::move(details);
    if (auto ok = catalog.append_audit(entry); !ok && ok.error().code != Errc::unsupported)
        log::get("worker")->warn("audit entry {} for {}: {}", action, id, ok.error().describe());
}

void remove_stale_work_dirs(const storage::Layout& layout, const std::string& id, std::int64_t job) {
    const std::string prefix = fmt::format("{}-{}-", id, job); // Layout::make_work_dir's names
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(layout.tmp_root(), ec)) {
        if (!entry.path().filename().string().starts_with(prefix)) continue;
        std::error_code rm;
        std::filesystem::remove_all(entry.path(), rm);
        auto log = log::get("worker");
        if (rm) {
            log->warn("job {}: cannot remove a crashed attempt's folder {}: {}", job, entry.path().string(), rm.message());
        } else {
            log->info("job {}: removed a crashed attempt's folder {}", job, entry.path().string());
        }
    }
}
}

JobRunner::JobRunner(JobRunnerOptions options, storage::Layout layout)
    : options_(std::move(options)), layout_(std::move(layout)) {}

Result<std::unique_ptr<JobRunner>> JobRunner::create(JobRunnerOptions options, storage::Layout layout) {
    if (options.concurrency < 1) {
        return fail(Errc::invalid_argument, fmt::format("worker concurrency must be at least 1 (got {})",
                                                        options.concurrency));
    }
    if (auto ok = layout.ensure(); !ok) return std::unexpected(ok.error());
    // Open once here so that a wrong database URL is a startup error, not a thread's.
    auto probe = storage::Catalog::open(options.database_url);
    if (!probe) return std::unexpected(probe.error());
    return std::unique_ptr<JobRunner>(new JobRunner(std::move(options), std::move(layout)));
}

JobRunner::~JobRunner() { stop(); }

void JobRunner::start() {
    std::lock_guard lock(mutex_);
    stopping_ = false;
    const int threads = options_.concurrency + (options_.light_lane ? 1 : 0);
    for (int i = static_cast<int>(threads_.size()); i < threads; ++i) {
        threads_.emplace_back([this, i] { loop(i); });
    }
}

void JobRunner::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) {
        if (t.joinable()) t.join();
    }
    threads_.clear();
}

void JobRunner::wake() {
    {
        std::lock_guard lock(mutex_);
        ++wake_generation_;
    }
    wake_.notify_all();
}

void JobRunner::on_finished(std::function<void(const std::string&, const Result<void>&)> callback) {
    std::lock_guard lock(mutex_);
    on_finished_ = std::move(callback);
}

bool JobRunner::heavy_allowed_now() const {
    if (options_.window.always()) return true;
    const int minute = options_.minute_now ? options_.minute_now() : ProcessingWindow::local_minute_now();
    return options_.window.open_at(minute);
}

void JobRunner::loop(int index) {
    auto log = log::get("worker");
    const bool light = index >= options_.concurrency; // the light-job lane
    const std::string worker =
        light ? fmt::format("{}-light", options_.worker_name) : fmt::format("{}-{}", options_.worker_name, index);
    if (options_.nice > 0) {
        // Linux keeps the nice value per thread (setpriority(2) on a thread id, see its NOTES);
        // threads this one creates — the encoders' — inherit it.
        const auto tid = static_cast<id_t>(::gettid());
        if (::setpriority(PRIO_PROCESS, tid, options_.nice) != 0) {
            log->warn("{}: cannot set nice level {}: {}", worker, options_.nice, std::strerror(errno));
        }
    }
    bool window_was_open = true;
    auto catalog = storage::Catalog::open(options_.database_url);
    if (!catalog) {
        log->error("{}: cannot open the catalog: {}", worker, catalog.error().describe());
        return;
    }
    bool can_wait_for_work = true;
    bool woke_for_nothing = false; // a runnable job this thread may not take (the light lane)
    for (;;) {
        std::uint64_t seen;
        {
            std::lock_guard lock(mutex_);
            if (stopping_) return;
            seen = wake_generation_;
        }
        const bool heavy_ok = !light && heavy_allowed_now();
        if (!light && heavy_ok != window_was_open) {
            log->info("{}: processing window {} {}: {}", worker, options_.window.describe(),
                      heavy_ok ? "opened" : "closed", heavy_ok ? "taking every job" : "taking light jobs only");
            window_was_open = heavy_ok;
        }
        auto ran =
            !heavy_ok
                ? run_claimed(**catalog, worker,
                              (*catalog)->claim_priority(worker, options_.lease, storage::k_priority_light, INT_MAX))
            : options_.light_lane ? run_heavy_first(**catalog, worker)
                                  : run_once(**catalog, worker);
        if (!ran) log->error("{}: {}", worker, ran.error().describe());
        if (ran && *ran) {
            woke_for_nothing = false;
            continue; // there may be more work: look again at once
        }
        if (can_wait_for_work && !woke_for_nothing) {
            // Blocks in the database (LISTEN) or polls it; stop() is noticed after at most one
            // poll interval, a job that is running is never interrupted by it.
            auto work = (*catalog)->wait_for_work(options_.poll);
            if (work) {
                woke_for_nothing = *work;
                continue;
            }
            if (work.error().code != Errc::unsupported) {
                log->warn("{}: waiting for work: {}", worker, work.error().describe());
            } else {
                can_wait_for_work = false;
            }
        }
        woke_for_nothing = false;
        std::unique_lock lock(mutex_);
        wake_.wait_for(lock, options_.poll, [&] { return stopping_ || wake_generation_ != seen; });
    }
}

Result<bool> JobRunner::run_once(storage::Catalog& catalog, const std::string& worker) {
    return run_claimed(catalog, worker, catalog.claim(worker, options_.lease));
}

// A render and its audio-only preview are queued together when a lesson ends. Taking the
// highest priority first, a heavy thread that looked before the light lane took the preview and
// the video waited for it while the lane sat idle (bench/publish, 45-minute lesson: the render
// started 46 s late). So beside a light lane a heavy thread takes heavy jobs first, and light
// ones only when no heavy job is runnable (the lane may be busy with another).
Result<bool> JobRunner::run_heavy_first(storage::Catalog& catalog, const std::string& worker) {
    auto heavy = catalog.claim_priority(worker, options_.lease, INT_MIN, storage::k_priority_heavy);
    if (!heavy || *heavy) return run_claimed(catalog, worker, std::move(heavy));
    return run_once(catalog, worker);
}

Result<bool> JobRunner::run_claimed(storage::Catalog& catalog, const std::string& worker,
                                    Result<std::optional<storage::Job>> claimed) {
    auto log = log::get("worker");
    if (!claimed) return std::unexpected(claimed.error());
    if (!*claimed) return false;
    const storage::Job job = **claimed;
    const std::string& id = job.recording_id;

    Result<void> result;
    if (job.kind == storage::k_kind_render) {
        result = finish_render(catalog, worker, job, run_render(catalog, worker, job));
    } else if (job.kind == storage::k_kind_preview) {
        result = finish_preview(catalog, worker, job, run_preview(catalog, worker, job));
    } else {
        const Error unknown{Errc::unsupported, fmt::format("job {} has unknown kind '{}'", job.id, job.kind)};
        log->error("job {}: {}", job.id, unknown.describe());
        (void)catalog.fail(job.id, worker, unknown.describe());
        result = std::unexpected(unknown);
    }
    std::function<void(const std::string&, const Result<void>&)> callback;
    {
        std::lock_guard lock(mutex_);
        callback = on_finished_;
    }
    if (callback) callback(id, result);
    return true;
}

std::function<bool(int)> JobRunner::heartbeats(storage::Catalog& catalog, const std::string& worker, std::int64_t job,
                                               bool& lease_lost) const {
    // Heartbeats ride on the renderer's progress reports, at most one a second; a lost lease
    // (the job was cancelled or given to another worker) stops the render.
    return [&catalog, &worker, job, &lease_lost, lease = options_.lease,
            next_beat_ns = std::int64_t{0}](int permille) mutable {
        const std::int64_t now = arrival_now().ns;
        if (now < next_beat_ns) return true;
        next_beat_ns = now + 1'000'000'000;
        if (auto beat = catalog.heartbeat(job, worker, lease, permille); !beat) {
            log::get("worker")->warn("job {}: heartbeat failed, stopping: {}", job, beat.error().describe());
            lease_lost = true;
            return false;
        }
        return true;
    };
}

void JobRunner::cancel_superseded_previews(storage::Catalog& catalog, const std::string& id) {
    // The full render is published: a preview still queued would only be a no-op later
    // (publish_if_absent) and would keep the raw capture alive for the retention sweep
    // (storage/retention.cpp waits for queued jobs), so it is cancelled now. A running one
    // finishes and publishes nothing.
    auto jobs = catalog.jobs_of(id);
    if (!jobs) return;
    for (const auto& j : *jobs) {
        if (j.kind != storage::k_kind_preview || j.state != storage::JobState::queued) continue;
        if (auto cancelled = catalog.cancel(j.id); !cancelled)
            log::get("worker")->warn("recording {}: preview job {} not cancelled: {}", id, j.id,
                                     cancelled.error().describe());
        else
            log::get("worker")->info("recording {}: preview job {} cancelled, the full render is published", id, j.id);
    }
}

Result<std::int64_t> JobRunner::run_render(storage::Catalog& catalog, const std::string& worker,
                                           const storage::Job& job) {
    auto log = log::get("worker");
    const std::string& id = job.recording_id;
    if (auto s = catalog.set_recording_state(id, storage::RecordingState::processing); !s) {
        return std::unexpected(s.error());
    }
    // A crashed earlier attempt of this very job may have left its work folder; a restart
    // starts clean (other jobs' folders, even of the same recording, are not touched).
    remove_stale_work_dirs(layout_, id, job.id);
    auto work = layout_.make_work_dir(id, std::to_string(job.id));
    if (!work) return std::unexpected(work.error());
    log->info("job {} ({}): rendering {} into {}", job.id, worker, id, work->string());

    bool lease_lost = false;
    auto summary =
        render_recording(layout_.raw_dir(id), *work, options_.render, heartbeats(catalog, worker, job.id, lease_lost));
    if (!summary) {
        std::error_code ec;
        std::filesystem::remove_all(*work, ec); // nothing half-written stays behind
        if (lease_lost) return fail(Errc::cancelled, fmt::format("job {} lost its lease", job.id));
        return std::unexpected(summary.error());
    }
    if (options_.before_publish) {
        if (auto added = options_.before_publish(id, *work); !added) {
            std::error_code ec;
            std::filesystem::remove_all(*work, ec);
            return std::unexpected(added.error());
        }
    }
    // A deletion (storage/recording_deletion.hpp) cancels the job before it removes the
    // files: a job that lost its lease must not publish, and one that published just as
    // it lost it takes its output back, so that nothing of a deleted recording remains.
    if (auto beat = catalog.heartbeat(job.id, worker, options_.lease, 1000); !beat) {
        std::error_code ec;
        std::filesystem::remove_all(*work, ec);
        return fail(Errc::cancelled,
                    fmt::format("job {} lost its lease before publishing: {}", job.id, beat.error().describe()));
    }
    // Replaces the audio-only preview (or an older render) in one step.
    if (auto published = layout_.publish(*work, id); !published) {
        std::error_code ec;
        std::filesystem::remove_all(*work, ec);
        return std::unexpected(published.error());
    }
    if (auto beat = catalog.heartbeat(job.id, worker, options_.lease, 1000); !beat) {
        (void)layout_.unpublish(id);
        return fail(Errc::cancelled, fmt::format("job {} lost its lease while publishing, output taken back: {}",
                                                 job.id, beat.error().describe()));
    }
    return summary->duration_ms;
}

Result<void> JobRunner::finish_render(storage::Catalog& catalog, const std::string& worker, const storage::Job& job,
                                      Result<std::int64_t> outcome) {
    auto log = log::get("worker");
    const std::string& id = job.recording_id;
    Result<void> result;
    if (outcome) {
        if (auto s = catalog.set_recording_state(id, storage::RecordingState::published, {}, *outcome); !s) {
            result = std::unexpected(s.error());
        } else if (auto parts = catalog.mark_parts_ready(id, storage::k_part_audio | storage::k_part_video);
                   !parts && parts.error().code != Errc::unsupported) {
            result = std::unexpected(parts.error());
        } else if (auto done = catalog.succeed(job.id, worker); !done) {
            result = std::unexpected(done.error());
        } else {
            // Issue 9's audit trail: processed (the render), then published; a failed append
            // is logged, never undoes the publication.
            audit(catalog, worker, "processed", id,
                  fmt::format("{{\"job\": {}, \"result\": \"succeeded\", \"duration_ms\": {}}}", job.id, *outcome));
            audit(catalog, worker, "published", id,
                  fmt::format("{{\"job\": {}, \"duration_ms\": {}, \"parts\": [\"audio\", \"video\"]}}", job.id,
                              *outcome));
        }
        log->info("job {}: published {} ({} ms)", job.id, id, *outcome);
        if (result) cancel_superseded_previews(catalog, id);
        return result;
    }
    result = std::unexpected(outcome.error());
    log->error("job {}: {} failed: {}", job.id, id, outcome.error().describe());
    if (outcome.error().code != Errc::cancelled) {
        (void)catalog.fail(job.id, worker, outcome.error().describe());
        // The recording is failed only once the queue gives up on the job.
        auto after = catalog.job(job.id);
        if (after && *after && (*after)->state == storage::JobState::failed) {
            (void)catalog.set_recording_state(id, storage::RecordingState::failed, outcome.error().describe());
            // A render that failed for good is processed too (issue 9): who tried, when.
            audit(catalog, worker, "processed", id, fmt::format("{{\"job\": {}, \"result\": \"failed\"}}", job.id));
        } else {
            (void)catalog.set_recording_state(id, storage::RecordingState::stopped);
        }
    }
    return result;
}

Result<bool> JobRunner::run_preview(storage::Catalog& catalog, const std::string& worker, const storage::Job& job) {
    auto log = log::get("worker");
    const std::string& id = job.recording_id;
    // Idempotent: whatever is published already (an earlier preview, or the full render that
    // finished first) holds at least the audio, so there is nothing left to do — except a
    // crashed attempt's unfinished preview (a stream that never got its end), which this
    // attempt encodes again into a fresh folder and swaps in (never over anything else).
    std::optional<storage::FolderIdentity> unfinished;
    if (auto there = layout_.published_identity(id)) {
        if (!is_unfinished_preview(layout_.published_dir(id))) {
            log->info("job {}: {} is published already, no preview needed", job.id, id);
            return false;
        }
        unfinished = there;
        log->info("job {}: {} holds an unfinished preview (a crashed attempt's): it is made again and replaced", job.id,
                  id);
    }
    remove_stale_work_dirs(layout_, id, job.id);
    auto work = layout_.make_work_dir(id, std::to_string(job.id));
    if (!work) return std::unexpected(work.error());
    auto folder = layout_.make_work_dir(id, std::to_string(job.id)); // becomes published/<id>/
    std::error_code ec;
    if (!folder) {
        std::filesystem::remove_all(*work, ec);
        return std::unexpected(folder.error());
    }
    log->info("job {} ({}): audio-only preview of {} into {}", job.id, worker, id, folder->string());

    bool lease_lost = false;
    int permille_now = 0;
    auto beats = heartbeats(catalog, worker, job.id, lease_lost);
    auto progress = [&](int permille) {
        permille_now = permille;
        return beats(permille);
    };
    std::optional<storage::FolderIdentity> mine; // the published folder, once it is
    PreviewPublisher publisher;
    // Published as soon as the stream has its first segment (issue 6): the light lane's
    // catalog marks and audit entry are the publication's, not the job's end.
    publisher.publish = [&](const std::filesystem::path& dir) -> Result<bool> {
        const auto identity = storage::identity_of(dir);
        if (!identity)
            return fail(Errc::io, fmt::format("job {}: {} vanished before publishing", job.id, dir.string()));
        // A deletion cancels the job before it removes the files: a job that lost its lease
        // must not publish.
        if (auto beat = catalog.heartbeat(job.id, worker, options_.lease, permille_now); !beat) {
            lease_lost = true;
            return fail(Errc::cancelled,
                        fmt::format("job {} lost its lease before publishing: {}", job.id, beat.error().describe()));
        }
        // Never over a full render that finished first (RENAME_NOREPLACE, or only over the
        // unfinished preview); that one supersedes it.
        auto placed = unfinished ? layout_.publish_replacing(dir, id, *unfinished) : layout_.publish_if_absent(dir, id);
        if (!placed || !*placed) return placed;
        mine = identity;
        if (auto beat = catalog.heartbeat(job.id, worker, options_.lease, permille_now); !beat) {
            lease_lost = true; // cancelled while publishing (a deletion): taken back below
            return fail(Errc::cancelled,
                        fmt::format("job {} lost its lease while publishing: {}", job.id, beat.error().describe()));
        }
        if (auto parts = catalog.mark_parts_ready(id, storage::k_part_audio);
            !parts && parts.error().code != Errc::unsupported)
            return std::unexpected(parts.error());
        audit(catalog, worker, "published", id,
              fmt::format("{{\"job\": {}, \"parts\": [\"audio\"], \"stream\": \"{}\"}}", job.id,
                          k_audio_stream_playlist));
        log->info("job {}: published the audio-only preview of {} at its first stream segment", job.id, id);
        return true;
    };
    publisher.still_ours = [&] { return mine && layout_.published_identity(id) == mine; };

    auto summary = render_preview(layout_.raw_dir(id), *work, *folder, options_.render, progress, publisher);
    std::filesystem::remove_all(*work, ec);
    if (!mine) std::filesystem::remove_all(*folder, ec); // never published (once published, its name is free)
    // A deletion cancels the job, then removes the folder: an error or a "superseded" may be
    // what the preview noticed first, before its next heartbeat.
    const auto lease_held = [&] {
        if (!lease_lost && !catalog.heartbeat(job.id, worker, options_.lease, permille_now)) lease_lost = true;
        return !lease_lost;
    };
    if (!summary) {
        if (!lease_held()) {
            // Lease lost, cancelled or deleted while streaming: take back what it published,
            // unless the full render has replaced it meanwhile, which answers for itself.
            if (mine) (void)layout_.unpublish_if(id, *mine);
            return fail(Errc::cancelled, fmt::format("job {} lost its lease: {}", job.id, summary.error().describe()));
        }
        if (mine)
            log->warn("job {}: the preview of {} failed while streaming; its unfinished folder stays published until "
                      "a retry replaces it",
                      job.id, id);
        return std::unexpected(summary.error());
    }
    if (summary->superseded) {
        if (!lease_held()) return fail(Errc::cancelled, fmt::format("job {} lost its lease while streaming", job.id));
        log->info("job {}: {} is published by another job (the full render): the preview is superseded, nothing to "
                  "do",
                  job.id, id);
        return false;
    }
    if (auto beat = catalog.heartbeat(job.id, worker, options_.lease, 1000); !beat) {
        auto after = catalog.job(job.id);
        if (after && *after && (*after)->state == storage::JobState::cancelled) (void)layout_.unpublish_if(id, *mine);
        return fail(Errc::cancelled,
                    fmt::format("job {} lost its lease at the end of its stream: {}", job.id, beat.error().describe()));
    }
    return true;
}

Result<void> JobRunner::finish_preview(storage::Catalog& catalog, const std::string& worker, const storage::Job& job,
                                       Result<bool> outcome) {
    auto log = log::get("worker");
    const std::string& id = job.recording_id;
    if (!outcome) {
        log->error("job {}: preview of {} failed: {}", job.id, id, outcome.error().describe());
        // The recording's state is the render's business: a failed preview changes nothing
        // a viewer sees, the video still comes.
        if (outcome.error().code != Errc::cancelled) (void)catalog.fail(job.id, worker, outcome.error().describe());
        return std::unexpected(outcome.error());
    }
    // Published (the catalog's ready parts and the audit entry) when its stream began.
    if (*outcome) log->info("job {}: the audio-only preview of {} is complete", job.id, id);
    return catalog.succeed(job.id, worker);
}

} // namespace tafel::transcode
