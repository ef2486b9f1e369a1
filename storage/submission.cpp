#include "storage/submission.hpp"

#include "core/log.hpp"

namespace tafel::storage {

namespace {

Result<bool> preview_needed(Catalog& catalog, const std::string& id) {
    auto row = catalog.recording(id);
    if (!row) return std::unexpected(row.error());
    if (*row && ((*row)->ready_parts & k_part_audio) != 0) return false;
    auto jobs = catalog.jobs_of(id);
    if (!jobs) return std::unexpected(jobs.error());
    for (const Job& j : *jobs) {
        if (j.kind == k_kind_preview && j.state != JobState::failed && j.state != JobState::cancelled) return false;
    }
    return true;
}

} // namespace

Result<Submitted> submit_recording(Catalog& catalog, const std::string& recording_id, const SubmitOptions& options) {
    auto log = log::get("storage");
    Submitted out;
    auto render = catalog.enqueue(recording_id, k_kind_render, options.render_priority);
    if (!render) return std::unexpected(render.error());
    out.render = *render;
    if (!options.preview) return out;
    // The render first: a recording must never end up with a preview and no render; the
    // preview's higher priority still has it claimed first (Catalog::claim).
    auto needed = preview_needed(catalog, recording_id);
    if (!needed) {
        log->warn("recording {}: no audio-only preview: {}", recording_id, needed.error().describe());
        return out;
    }
    if (!*needed) return out;
    auto preview = catalog.enqueue(recording_id, k_kind_preview, default_priority(k_kind_preview));
    if (!preview) {
        log->warn("recording {}: no audio-only preview: {}", recording_id, preview.error().describe());
        return out;
    }
    out.preview = *preview;
    log->info("recording {}: render job {} and audio-only preview job {} queued", recording_id, out.render,
              *out.preview);
    return out;
}

} // namespace tafel::storage
