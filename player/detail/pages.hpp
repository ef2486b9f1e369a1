#pragma once
// The two server-rendered pages, German by default (lang="de"). Every value from a
// recording is escaped; scripts and styles come from /assets/ (no inline code: CSP).
#include "storage/catalog.hpp"

#include <string>
#include <vector>

namespace tafel::player::detail {

// GET /: the published recordings in the given order (the catalog lists newest first).
std::string render_list_page(const std::vector<storage::RecordingRow>& recordings);

struct PlaybackSources {
    bool mp4 = true;
    bool webm = true;
};

// GET /r/<id>: the video (MP4 first: Safari plays only that; WebM for the rest) and the chat.
std::string render_playback_page(const storage::RecordingRow& recording, PlaybackSources sources);

// "/r/<id>" and "/r/<id>/media/<name>" (ids are safe ids, so no escaping is needed in URLs).
std::string page_url(const std::string& id);
std::string media_url(const std::string& id, const std::string& name);

} // namespace tafel::player::detail
