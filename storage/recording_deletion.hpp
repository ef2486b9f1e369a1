#pragma once
// Deleting one recording everywhere at once (issue 9, "deletion on request" and retention):
// its jobs are cancelled first, then its files under raw/, published/ and tmp/ go, then its
// catalog rows; the deletion is audited. Idempotent: deleting what is gone succeeds.
//
// Safe while a job renders it: the cancel is one atomic UPDATE in the catalog, and the job
// runner checks its lease (a heartbeat) after publishing and unpublishes when it lost it
// (transcode/job_runner.cpp). So either the runner's check comes first, and this deletion
// removes what was published, or the cancel comes first, and the runner removes it.
#include "core/error.hpp"
#include "storage/catalog.hpp"
#include "storage/layout.hpp"

#include <cstdint>
#include <string>

namespace tafel::storage {

struct DeletionOutcome {
    bool existed = false;           // a row or a folder was there
    int jobs_cancelled = 0;
    std::int64_t bytes_freed = 0;   // raw + published + work folders, measured before
};

struct DeletionRequest {
    std::string id;
    std::string actor;              // recorded in the audit log
    std::string reason;             // "request", "retention", … (audit details)
};

// Refuses (invalid_argument) a recording that is still being
// recorded: the recorder would write on into raw/<id>/; stop the session first.
Result<DeletionOutcome> delete_everywhere(Catalog& catalog, const Layout& layout, const DeletionRequest& request);

} // namespace tafel::storage
