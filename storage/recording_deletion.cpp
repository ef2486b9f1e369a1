#include "storage/recording_deletion.hpp"

#include "core/ids.hpp"
#include "core/log.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace tafel::storage {

namespace {

std::int64_t measured(const Result<std::int64_t>& bytes) { return bytes ? *bytes : 0; }

} // namespace

Result<DeletionOutcome> delete_everywhere(Catalog& catalog, const Layout& layout, const DeletionRequest& request) {
    const std::string& id = request.id;
    if (!is_safe_id(id))
        return tafel::fail(Errc::invalid_argument, fmt::format("delete recording \"{}\": not a safe id", id));
    DeletionOutcome outcome;
    auto row = catalog.recording(id);
    if (!row) return std::unexpected(row.error());
    if (*row && (*row)->state == RecordingState::recording)
        return tafel::fail(Errc::invalid_argument,
                           fmt::format("delete recording {}: it is still being recorded; stop the session first", id));
    outcome.existed = row->has_value() || !layout.leftovers(id).empty();

    // 1. No job may start or publish any more (see the header for the race with a running one).
    auto jobs = catalog.jobs_of(id);
    if (!jobs) return std::unexpected(jobs.error());
    for (const Job& job : *jobs) {
        if (job.state != JobState::queued && job.state != JobState::running) continue;
        auto cancelled = catalog.cancel(job.id);
        // invalid_argument: it finished meanwhile; not_found: it is gone. Both are fine.
        if (cancelled) ++outcome.jobs_cancelled;
        else if (cancelled.error().code != Errc::invalid_argument && cancelled.error().code != Errc::not_found)
            return std::unexpected(cancelled.error());
    }

    // 2. Files: published first (readers see it absent at once), raw, then work folders.
    outcome.bytes_freed = measured(layout.published_bytes(id)) + measured(layout.raw_bytes(id));
    if (auto ok = layout.remove(id); !ok) return std::unexpected(ok.error());
    if (auto ok = layout.remove_work_dirs(id); !ok) return std::unexpected(ok.error());

    // 3. Rows: the recording and, through ON DELETE CASCADE, its jobs.
    if (auto ok = catalog.delete_recording(id); !ok && ok.error().code != Errc::not_found)
        return std::unexpected(ok.error());

    if (outcome.existed) {
        AuditEntry entry;
        entry.actor = request.actor;
        entry.action = "deleted";
        entry.recording_id = id;
        entry.details = nlohmann::json{{"reason", request.reason},
                                       {"bytes", outcome.bytes_freed},
                                       {"jobs_cancelled", outcome.jobs_cancelled}}
                            .dump();
        if (auto ok = catalog.append_audit(entry); !ok) return std::unexpected(ok.error());
        log::get("storage")->info("recording {} deleted by {} ({}): {} bytes, {} job(s) cancelled", id,
                                  request.actor, request.reason, outcome.bytes_freed, outcome.jobs_cancelled);
    }
    return outcome;
}

} // namespace tafel::storage
