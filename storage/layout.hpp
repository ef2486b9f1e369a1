#pragma once
// The on-disk layout of a data folder (docs/architecture.md), and atomic publishing:
// a published recording is complete or absent, never half there.
#include "core/error.hpp"

#include <filesystem>
#include <string>

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

    // Moves a finished work folder to published/<id>/ in one rename (same filesystem); an
    // older published version is replaced only after the new one is in place.
    Result<void> publish(const std::filesystem::path& work_dir, const std::string& id) const;

    // Deletes a recording's files: published/<id>/ leaves in one rename (readers see it
    // absent, never half deleted), then raw/<id>/. Missing folders are not an error; the
    // catalog row is Catalog::delete_recording's.
    Result<void> remove(const std::string& id) const;

private:
    std::filesystem::path root_;
};

} // namespace tafel::storage
