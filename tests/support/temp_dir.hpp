#pragma once
// A fresh folder for one test under the system temp folder ("<prefix>-<random>"), removed with
// everything in it at scope exit — kept when TAFEL_KEEP_TEST_FILES is set, to look at a failing
// test's output. Header-only: the test executables that do not link tafel::test_support use it
// too.
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

namespace tafel::test {

class TempDir {
public:
    explicit TempDir(const std::string& prefix = "tafel-test") {
        std::random_device random;
        path_ = std::filesystem::temp_directory_path() /
                (prefix + "-" + std::to_string(random()) + "-" + std::to_string(random()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        if (std::getenv("TAFEL_KEEP_TEST_FILES") == nullptr) std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

} // namespace tafel::test
