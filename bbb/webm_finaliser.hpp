#pragma once
// Finalises a WebM whose writer died (kill -9 of `tafel record --bbb`): webmmux writes Cues,
// Duration and the SeekHead only at EOS, so the file left behind plays but cannot seek and
// has no length. Everything libavformat can still read is copied (no re-encoding) into a
// new WebM that has them, which then replaces the old one (rename, so a crash during this
// leaves one of the two whole).
#include "core/error.hpp"

#include <cstdint>
#include <filesystem>

namespace tafel::bbb {

struct FinalisedWebm {
    std::int64_t duration_ms = 0; // of the media kept
    std::uint64_t packets = 0;    // copied
};

// Errc::malformed_input naming the file when not even its header is readable (nothing to
// keep: the file is left as it is).
Result<FinalisedWebm> finalise_webm(const std::filesystem::path& webm);

} // namespace tafel::bbb
