#include "archive/media_lookup.hpp"

#include <vector>

namespace tafel::archive {

std::string basename_of(const std::string& server_path) {
    const auto slash = server_path.find_last_of("/\\");
    return slash == std::string::npos ? server_path : server_path.substr(slash + 1);
}

std::optional<std::filesystem::path> find_media(const std::filesystem::path& archive_dir, const std::string& meeting_id,
                                                MediaFolder folder, const std::string& name) {
    const std::string base = basename_of(name);
    if (base.empty()) return std::nullopt;
    std::vector<std::filesystem::path> dirs;
    switch (folder) {
    case MediaFolder::audio: dirs = {archive_dir / "audio"}; break;
    case MediaFolder::video: dirs = {archive_dir / "video" / meeting_id, archive_dir / "video"}; break;
    case MediaFolder::deskshare: dirs = {archive_dir / "deskshare", archive_dir / "video" / meeting_id}; break;
    }
    for (const auto& dir : dirs) {
        std::error_code ec;
        if (std::filesystem::is_regular_file(dir / base, ec)) return dir / base;
    }
    return std::nullopt;
}

} // namespace tafel::archive
