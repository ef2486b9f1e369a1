#pragma once
// A fresh folder under the build tree for one test, removed afterwards.
#include <filesystem>
#include <random>
#include <string>

namespace tafel::ingest::test {

class TempDir {
public:
    explicit TempDir(const std::string& name) {
        std::random_device rd;
        path_ = std::filesystem::path(TAFEL_BINARY_DIR) / "test-tmp" / (name + "-" + std::to_string(rd()));
        std::filesystem::remove_all(path_);
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

} // namespace tafel::ingest::test
