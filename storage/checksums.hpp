#pragma once
// Integrity of published lessons (issue 9): the SHA-256 of every file of a published folder
// goes into its manifest.json when it is published (Layout::publish), and verify() compares
// what is on disk with it later (`tafel verify`).
#include "core/error.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace tafel::storage {

// Lowercase hex SHA-256 of a file's bytes (FIPS 180-4).
Result<std::string> sha256_file(const std::filesystem::path& file);

// Adds "checksums": {"<relative path>": "<sha256>"} for every regular file of `dir` except
// manifest.json itself, and "sha256" to each entry of "files"; manifest.json is rewritten
// atomically (temp file + rename). A folder without manifest.json is left alone.
Result<void> add_checksums(const std::filesystem::path& dir);
// The same with the manifest read from `manifest` (elsewhere, e.g. a private work folder) and
// written into `dir`: a folder already published gets a new manifest in one rename.
Result<void> add_checksums(const std::filesystem::path& dir, const std::filesystem::path& manifest);

struct IntegrityProblem {
    enum class Kind { missing, altered, unlisted, no_checksums };
    Kind kind;
    std::string file;   // relative to the folder
};
std::string to_string(IntegrityProblem::Kind kind);

// What differs between `dir` and the checksums of its manifest.json; empty when intact.
// Errors only when the folder or its manifest cannot be read at all.
Result<std::vector<IntegrityProblem>> verify_checksums(const std::filesystem::path& dir);

} // namespace tafel::storage
