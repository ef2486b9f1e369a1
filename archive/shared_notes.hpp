#pragma once
// BigBlueButton's shared notes (the Etherpad pad) as a plain-text sidecar. BBB's archive step
// (record-and-playback/core/scripts/archive/archive.rb, archive_notes) exports the pad into
// the raw archive's notes/ folder as notes.<format> for each configured format (etherpad,
// html, txt, pdf …), and only when the pad is not blank. tafel publishes text only: the pad's
// own text export when present, else its HTML export reduced to text — archive HTML is never
// served as HTML.
#include "core/error.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace tafel::archive {

// The notes' text (UTF-8, '\n' line ends, no trailing blank lines); nullopt when the archive
// has no notes or they are blank. Errors name the file that could not be read.
Result<std::optional<std::string>> shared_notes_text(const std::filesystem::path& archive_dir);

// Text of an HTML fragment: tags dropped (script/style with their content), block elements
// and <br> as line breaks, character references decoded (HTML 13.5), runs of blank lines cut
// to one.
std::string html_to_text(std::string_view html);

} // namespace tafel::archive
