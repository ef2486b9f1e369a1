#pragma once
// The demo lesson's slide deck: a 16:9 PDF about fractions, written with Cairo.
#include "core/error.hpp"

#include <filesystem>

namespace tafel::samples {

inline constexpr double k_deck_width_pt = 960.0;
inline constexpr double k_deck_height_pt = 540.0;

// Writes `pages` pages (1..64) of 960x540 pt. Every page looks clearly different — its own
// background tint, a big title "Folie N – …", bullet lines with umlauts and a distinct coloured
// diagram — so that a renderer test can tell the pages apart by PSNR. Page n > 6 repeats the
// topic of page (n-1)%6+1 with its own number in the title.
Result<void> write_deck(const std::filesystem::path& path, int pages = 6);

} // namespace tafel::samples
