#include "bbb/session_recovery.hpp"

#include "bbb/webm_finaliser.hpp"
#include "core/log.hpp"
#include "ingest/session_recovery.hpp"

namespace tafel::bbb {

namespace fs = std::filesystem;

std::vector<RecoveredRecording> recover_recordings(const fs::path& recordings_dir) {
    auto logger = log::get("bbb");
    std::vector<fs::path> orphans;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(recordings_dir, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const fs::path& p = it->path();
        if (it->is_regular_file(ec) && p.extension() == ".tmp" && p.stem().extension() == ".pcap") orphans.push_back(p);
    }
    if (ec && ec != std::errc::no_such_file_or_directory)
        logger->warn("recovery: walking {}: {}", recordings_dir.string(), ec.message());

    std::vector<RecoveredRecording> recovered;
    for (const auto& tmp : orphans) {
        const fs::path capture = tmp.parent_path() / tmp.stem(); // x.pcap
        RecoveredRecording r;
        r.webm = fs::path(capture).replace_extension(".webm");
        if (fs::exists(r.webm, ec)) {
            if (auto f = finalise_webm(r.webm)) {
                r.webm_finalised = true;
                r.duration_ms = f->duration_ms;
            } else {
                logger->warn("recovery: {} not finalised: {}", r.webm.string(), f.error().describe());
            }
        }
        auto closed = ingest::close_torn_capture(capture);
        if (!closed) {
            logger->error("recovery: {}: {}", tmp.string(), closed.error().describe());
            continue;
        }
        r.capture_records = closed->records;
        r.torn_bytes = closed->torn_bytes;
        logger->warn("recovered {} of a recorder that died: WebM {} ({} ms), capture {} records, {} torn bytes cut",
                     r.webm.string(), r.webm_finalised ? "finalised" : "left as is", r.duration_ms, r.capture_records,
                     r.torn_bytes);
        recovered.push_back(std::move(r));
    }
    return recovered;
}

} // namespace tafel::bbb
