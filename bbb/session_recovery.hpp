#pragma once
// Start-up recovery of the recordings a killed `tafel record --bbb` left behind (kill -9,
// OOM, power loss). A session's raw capture is `x.pcap.tmp` while it records and `x.pcap`
// once it stopped, so a `.pcap.tmp` marks a session that died: its WebM `x.webm` is
// finalised (bbb/webm_finaliser.hpp: cues and duration) and then the capture's torn tail is
// cut and it is renamed (ingest::close_torn_capture). The rename comes last, so a crash
// during recovery is recovered again by the next start.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace tafel::bbb {

struct RecoveredRecording {
    std::filesystem::path webm;
    bool webm_finalised = false;  // false: no WebM, or nothing readable in it (left as is)
    std::int64_t duration_ms = 0; // of the finalised WebM
    std::uint64_t capture_records = 0;
    std::uint64_t torn_bytes = 0; // cut from the capture's tail
};

// Walks `recordings_dir` (the --bbb-dir). A recording that cannot be recovered is logged
// with its path and skipped; the others still are.
std::vector<RecoveredRecording> recover_recordings(const std::filesystem::path& recordings_dir);

} // namespace tafel::bbb
