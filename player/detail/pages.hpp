#pragma once
// The server-rendered pages, German by default (lang="de") and English on request
// (?lang=en). Every value from a recording is escaped; scripts and styles come from /assets/
// (no inline code: CSP).
#include "storage/catalog.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace tafel::player::detail {

enum class Lang { de, en };

// "en" → English; anything else (absent, "de", unknown) → German, the default.
Lang lang_from_query(std::string_view query);

// GET /: the published recordings in the given order (the catalog lists newest first).
std::string render_list_page(const std::vector<storage::RecordingRow>& recordings, Lang lang = Lang::de);

// A captions track of captions.json ([{"file", "locale", "label"}], e.g. an imported BBB
// archive's live captions per locale).
struct CaptionSource {
    std::string file;  // "captions_en-US.vtt" (a plain file name)
    std::string lang;  // "en-US"
    std::string label; // "English (United States)"
};

// What a published folder holds besides manifest.json, as far as the page cares.
struct PlaybackSources {
    bool mp4 = true;
    bool webm = true;
    bool chapters = false; // chapters.vtt: the chapter list
    bool captions = false; // captions.vtt: a captions track
    std::vector<CaptionSource> caption_tracks; // more captions tracks, from captions.json
    bool notes = false;                        // notes.txt: the shared notes (plain text), linked
    bool download = false; // a download link (owners only once access control applies)
    bool manage = false;   // the owner's controls: publish/unpublish, rename, retention, delete
    bool poster = false;   // poster.jpg: the video's poster image
    bool thumbnails = false; // thumbnails.vtt: seek-bar previews
    // Progressive publishing (issue 6): only the audio-only part is published yet (no
    // lesson.mp4/webm): an audio player and a "video is still being processed" note.
    bool video_pending = false;
    bool m4a = false;  // lesson.m4a
    bool opus = false; // lesson.opus.webm
    // Only the growing HLS stream (audio/index.m3u8) is there yet: the preview still encodes.
    bool stream = false;
};

// GET /r/<id>: the video (MP4 first: Safari plays only that; WebM for the rest), the speed
// control, the chapter list when there is one, the searchable chat and the shortcut help.
std::string render_playback_page(const storage::RecordingRow& recording, PlaybackSources sources,
                                 Lang lang = Lang::de);

// "/r/<id>" and "/r/<id>/media/<name>" (ids are safe ids, so no escaping is needed in URLs).
std::string page_url(const std::string& id);
std::string media_url(const std::string& id, const std::string& name);

} // namespace tafel::player::detail
