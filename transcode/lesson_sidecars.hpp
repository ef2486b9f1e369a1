#pragma once
// The published lesson's sidecars beside the videos (issue 5 item 5):
//   chapters.vtt    a WebVTT chapter cue per slide change (and per `chapter` event), titled
//                   from the slide's text where Poppler yields it, else "Folie N"
//   thumbnails.vtt  WebVTT cues pointing into sprite JPEGs (`thumbnails-K.jpg#xywh=x,y,w,h`,
//                   the Media Fragments URI 1.0 spatial dimension) for seek-bar previews:
//                   a 160x90 tile every 10 s, 10x10 tiles per sprite
//   poster.jpg      one full frame of the lesson
// JPEGs are written with libavcodec's MJPEG encoder (full-range YUV 4:2:0).
#include "core/error.hpp"
#include "transcode/argb_image.hpp"

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace tafel::transcode {

struct ChapterCue {
    std::int64_t start_ms = 0; // output time
    std::string title;
};

// "hh:mm:ss.mmm" (WebVTT timestamp, W3C WebVTT 4.2.2 / §6.1).
std::string vtt_timestamp(std::int64_t t_ms);

// A one-line chapter title from a page's text: the first non-empty line, whitespace
// collapsed, cut at `max_chars` characters (UTF-8 aware) with "…". "" when there is none.
std::string chapter_title_from_text(const std::string& page_text, std::size_t max_chars = 60);

// Cues end where the next begins (the last at `duration_ms`); cues at the same time keep
// the last; empty ones are dropped. "-->" in titles is defused (it would end the cue).
Result<void> write_chapters_vtt(const std::filesystem::path& file, std::span<const ChapterCue> chapters,
                                std::int64_t duration_ms);

// `image` as a JPEG; quality 2 (best) .. 31 (MJPEG qscale).
Result<void> write_jpeg(const std::filesystem::path& file, const ArgbImage& image, int qscale = 4);

// Collects seek-bar thumbnails while the lesson renders and writes them at the end.
class ThumbnailSheet {
public:
    ThumbnailSheet(int tile_w = 160, int tile_h = 90, int columns = 10, int rows = 10,
                   std::int64_t interval_ms = 10'000);

    // True when the frame at output time `t_ms` should become the next thumbnail.
    bool wants(std::int64_t t_ms) const { return t_ms >= next_ms_; }
    // Takes a thumbnail of `canvas` (scaled down) for output time `t_ms`.
    void add(const ArgbImage& canvas, std::int64_t t_ms);
    // Writes thumbnails-K.jpg sprites and thumbnails.vtt into `dir`; returns the files.
    Result<std::vector<std::filesystem::path>> write(const std::filesystem::path& dir, std::int64_t duration_ms) const;

    std::size_t count() const { return tiles_.size(); }

private:
    int tile_w_, tile_h_, columns_, rows_;
    std::int64_t interval_ms_;
    std::int64_t next_ms_ = 0;
    std::vector<std::pair<std::int64_t, ArgbImage>> tiles_; // (t_ms, tile)
};

} // namespace tafel::transcode
