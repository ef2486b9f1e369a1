#pragma once
// A tree of synthetic BBB archives for the batch tests (reprocess_test.cpp,
// reprocess_interrupt_test.cpp): `archives/archive-NN`, each 2 s (a webcam, the conference
// audio, a deck); numbers 7, 23 and 41 are broken (truncated events.xml, a missing webcam
// file, an unreadable PDF).
#include <filesystem>

namespace tafel::archive::test {

// Writes `count` archives under `<tmp>/archives` (media synthesised once under `<tmp>/media`
// and hard-linked into each).
void make_batch(const std::filesystem::path& tmp, int count);

} // namespace tafel::archive::test
