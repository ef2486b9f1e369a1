#pragma once
// The on-disk layout of a data folder (docs/architecture.md), and atomic publishing:
// a published recording is complete or absent, never half there.
#include "core/error.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace tafel::storage {

class Layout {
public:
    explicit Layout(std::filesystem::path data_dir) : root_(std::move(data_dir)) {}

    const std::filesystem::path& root() const { return root_; }
    std::filesystem::path raw_dir(const std::string& id) const { return root_ / "raw" / id; }
    std::filesystem::path published_dir(const std::string& id) const {
        return root_ / "published" / id;
    }
    std::filesystem::path tmp_root() const { return root_ / "tmp"; }

    // Creates raw/, published/ and tmp/ if missing.
    Result<void> ensure() const;

    // A fresh, empty working folder under tmp/ for one job's outputs.
    Result<std::filesystem::path> make_work_dir(const std::string& id, const std::string& job) const;

    // Moves a finished work folder to published/<id>/ in one rename (same filesystem). What
    // was published before (an older render, the audio-only preview) is swapped out in the
    // same step (renameat2 RENAME_EXCHANGE) and removed; on file systems without it (NFS) it
    // steps aside under a lock first and the recording is briefly absent, never half there.
    Result<void> publish(const std::filesystem::path& work_dir, const std::string& id) const;
    // The audio-only preview's publish (issue 6, progressive publishing): like publish(), but
    // only when nothing is published yet (RENAME_NOREPLACE) — a full render that finished
    // first is never overwritten by a preview. false (work folder removed) when it was not.
    Result<bool> publish_if_absent(const std::filesystem::path& work_dir, const std::string& id) const;

    // Deletes a recording's files: published/<id>/ leaves in one rename (readers see it
    // absent, never half deleted), then raw/<id>/. Missing folders are not an error; the
    // catalog row is Catalog::delete_recording's.
    Result<void> remove(const std::string& id) const;

    // Lifecycle (issue 9).
    // The published part of remove(): published/<id>/ leaves in one rename; raw/ stays.
    Result<void> unpublish(const std::string& id) const;
    // Removes the recording's folders under tmp/ (job work folders "<id>-<job>-<hex>",
    // replaced and deleted versions "<id>-replaced-<hex>", "<id>-deleted-<hex>") and nothing
    // of another recording whose id merely starts with this one. Returns how many.
    Result<int> remove_work_dirs(const std::string& id) const;
    // Everything remove() + remove_work_dirs() would delete still exists: paths, for tests
    // and `tafel verify`. Empty when the recording is gone from disk.
    std::vector<std::filesystem::path> leftovers(const std::string& id) const;
    // Bytes of regular files under raw/<id>/ and published/<id>/ (0 for a missing folder).
    Result<std::int64_t> raw_bytes(const std::string& id) const;
    Result<std::int64_t> published_bytes(const std::string& id) const;

private:
    Result<void> prepare_publish(const std::filesystem::path& work_dir, const std::string& id) const;
    // The fallback without renameat2 flags: both kinds of publish serialised by one lock.
    Result<bool> publish_locked(const std::filesystem::path& work_dir, const std::string& id, bool replace) const;

    std::filesystem::path root_;
};

} // namespace tafel::storage
