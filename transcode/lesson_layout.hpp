#pragma once
// Where each element of the lesson video goes. The default is 1280x720: the slide on the
// left (960x720, the slide letterboxed inside it), the webcam column at the top right
// (320x180, 16:9: one tile, or 2x2 tiles of 160x90 for 2..4 people) and the chat panel
// below it (320x540). Presets (issue 5 item 2), chosen per recording:
//   default      as above
//   no_webcams   slide 960x720, chat 320x720
//   webcams_only up to 4 tiles over the whole frame
//   screen_share the slide/screen-share area over the whole frame, the webcam tile(s) in a
//                256x144 box at the bottom right over it, no chat
// An empty rectangle means "not shown". Exposed so that tests and the manifest can name
// the regions.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tafel::transcode {

struct Rect {
    int x = 0;
    int y = 0;
    int w = 0;
    int h = 0;

    int right() const { return x + w; }
    int bottom() const { return y + h; }
    bool empty() const { return w <= 0 || h <= 0; }
    bool contains(const Rect& o) const {
        return o.x >= x && o.y >= y && o.right() <= right() && o.bottom() <= bottom();
    }
    bool overlaps(const Rect& o) const {
        return x < o.right() && o.x < right() && y < o.bottom() && o.y < bottom();
    }
    friend bool operator==(const Rect&, const Rect&) = default;
};

enum class LayoutPreset { standard, no_webcams, webcams_only, screen_share };

// "default", "no_webcams", "webcams_only", "screen_share" (also with '-' or ' ' for '_').
std::optional<LayoutPreset> parse_layout_preset(std::string_view name);
std::string to_string(LayoutPreset preset);

struct LessonLayout {
    int width = 1280;
    int height = 720;
    LayoutPreset preset = LayoutPreset::standard;
    Rect slide{0, 0, 960, 720};
    Rect webcam{960, 0, 320, 180};
    Rect chat{960, 180, 320, 540};

    // A preset scaled to `width` x `height` (both > 0): the same proportions, rounded to
    // whole pixels so that the areas still tile the frame exactly.
    static LessonLayout for_size(int width, int height, LayoutPreset preset = LayoutPreset::standard);

    // At most this many webcam tiles (0 when the preset shows none).
    int max_tiles() const { return webcam.empty() ? 0 : 4; }
    // The rectangles of `count` tiles inside `webcam`, the first (the current speaker) first:
    // one tile fills the area; two to four share it as a 2x2 grid.
    std::vector<Rect> tile_rects(int count) const;
};

// The largest rectangle with the aspect ratio src_w:src_h that fits inside `area`, centred
// (letterbox or pillarbox). Integer arithmetic only; an empty source gives `area`.
Rect fit_keep_aspect(const Rect& area, int src_w, int src_h);

} // namespace tafel::transcode
