#pragma once
// A fresh tafel data folder for one test under the system's temp folder ("<prefix><random>"),
// removed with everything in it when the test ends.
#include "core/ids.hpp"

#include <filesystem>
#include <string>

namespace tafel::test {

struct DataDir {
    explicit DataDir(const std::string& prefix)
        : path(std::filesystem::temp_directory_path() / (prefix + random_hex_id(8))) {
        std::filesystem::create_directories(path);
    }
    ~DataDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    DataDir(const DataDir&) = delete;
    DataDir& operator=(const DataDir&) = delete;

    std::filesystem::path path;
};

} // namespace tafel::test
