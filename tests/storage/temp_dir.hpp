#pragma once
// A fresh folder per test under the system temp folder, removed afterwards.
#include "core/ids.hpp"

#include <filesystem>
#include <string>

namespace tafel::storage::test {

class TempDir {
public:
    TempDir() : path_(std::filesystem::temp_directory_path() / ("tafel-storage-" + random_hex_id(8))) {
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    // "sqlite:<dir>/<sub>/tafel.db": a folder that does not exist yet, to exercise creation.
    std::string db_url() const { return "sqlite:" + (path_ / "data" / "tafel.db").string(); }

private:
    std::filesystem::path path_;
};

} // namespace tafel::storage::test
