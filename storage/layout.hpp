#pragma once
// The on-disk layout of a data folder (docs/architecture.md), and atomic publishing:
// a published recording is complete or absent, never half there.
#include "core/error.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tafel::storage {

// Which folder a path names (st_dev, st_ino): a folder keeps it across renames, so a job can
// tell its own published folder from one that replaced it under the same name.
struct FolderIdentity {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    bool operator==(const FolderIdentity&) const = default;
};
std::optional<FolderIdentity> identity_of(const std::filesystem::path& folder);

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
    // A retried preview's publish: replaces the folder `expected` (a crashed attempt's
    // unfinished preview) and nothing else. The swap is one RENAME_EXCHANGE; if what came out
    // is not `expected` (the full render took its place in between) it is swapped straight
    // back, so the render stays (readers may see the preview for that instant), and the
    // answer is false (work folder removed). Where `expected` is gone, as publish_if_absent.
    Result<bool> publish_replacing(const std::filesystem::path& work_dir, const std::string& id,
                                   FolderIdentity expected) const;
    std::optional<FolderIdentity> published_identity(const std::string& id) const {
        return identity_of(published_dir(id));
    }

    // Deletes a recording's files: published/<id>/ leaves in one rename (readers see it
    // absent, never half deleted), then raw/<id>/. Missing folders are not an error; the
    // catalog row is Catalog::delete_recording's.
    Result<void> remove(const std::string& id) const;

    // Lifecycle (issue 9).
    // The published part of remove(): published/<id>/ leaves in one rename; raw/ stays.
    Result<void> unpublish(const std::string& id) const;
    // unpublish() only if published/<id>/ is the folder `mine` (a preview taking back what it
    // published, never the render that replaced it): it is moved aside first and, if it turns
    // out not to be `mine`, put back. true when it was taken back.
    Result<bool> unpublish_if(const std::string& id, FolderIdentity mine) const;
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
    // `only`: replace only that folder (publish_replacing).
    Result<bool> publish_locked(const std::filesystem::path& work_dir, const std::string& id, bool replace,
                                std::optional<FolderIdentity> only) const;

    std::filesystem::path root_;
};

} // namespace tafel::storage
