#pragma once
// Submitting a finished recording for processing: its heavy render job and, beside it, the
// light audio-only preview (issue 6, progressive publishing). Both are queued in the same
// moment — when the recorder stops the session, or its recovery finishes a crashed one — so
// that the preview does not wait for the render to be claimed: with a processing window
// (heavy jobs wait for the night) or every worker busy on long encodes, pupils still get the
// audio, chapters and chat within seconds of the lesson's end, from any worker's light lane.
#include "core/error.hpp"
#include "storage/catalog.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace tafel::storage {

struct SubmitOptions {
    int render_priority = k_priority_heavy;
    // false for lessons that were over long ago (the batch reprocess runner, archive/batch.hpp):
    // a preview would only add work, and a Ctrl-C would leave it queued behind the cancelled
    // renders.
    bool preview = true;
};

struct Submitted {
    std::int64_t render = 0;
    std::optional<std::int64_t> preview; // none: not asked for, or not needed (see below)
};

// Queues the recording's render job, then its preview unless one is not needed: the audio
// part is published already (a re-render of a published lesson), or a preview is queued,
// running or succeeded (a resubmission). A failed preview enqueue is logged and leaves the
// render queued (the video still comes); a failed render enqueue is the error.
Result<Submitted> submit_recording(Catalog& catalog, const std::string& recording_id,
                                   const SubmitOptions& options = {});

} // namespace tafel::storage
