#pragma once
// Where a BBB archive keeps the media its events name. The events carry the path on the
// recording server ("/var/kurento/recordings/<meeting>/<stream>.webm",
// "/var/freeswitch/meetings/<meeting>-<ts>.opus"); the archive holds the same file under
// one of its media folders, so it is found by basename, as BBB's own archive step does
// (record-and-playback core/scripts/archive/archive.rb).
#include <filesystem>
#include <optional>
#include <string>

namespace tafel::archive {

enum class MediaFolder { audio, video, deskshare };

// `<archive>/audio/`, `<archive>/video/<meeting>/` (and `video/`), `<archive>/deskshare/`
// searched for `name`'s basename; the first hit, or nullopt.
std::optional<std::filesystem::path> find_media(const std::filesystem::path& archive_dir, const std::string& meeting_id,
                                                MediaFolder folder, const std::string& name);

// The basename of a server path ("/a/b/c.webm" → "c.webm").
std::string basename_of(const std::string& server_path);

} // namespace tafel::archive
