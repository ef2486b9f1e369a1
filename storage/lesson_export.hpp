#pragma once
// `tafel recordings export ID DIR` (issue 9): one self-contained folder a teacher can keep —
// the published files (video, chat, chapters, manifest with checksums) and an index.html
// that plays them from the folder itself: no script, style or font from anywhere else, so it
// works offline from a USB stick (file://).
#include "core/error.hpp"
#include "storage/layout.hpp"

#include <filesystem>
#include <string>

namespace tafel::storage {

// Copies published/<id>/ into `target` (created; must be empty or absent) and writes
// `target`/index.html. not_found when the recording is not published.
Result<std::filesystem::path> export_lesson(const Layout& layout, const std::string& id,
                                            const std::filesystem::path& target);

} // namespace tafel::storage
