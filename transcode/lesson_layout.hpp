#pragma once
// Where each element of the lesson video goes. The default is 1280x720: the slide on the
// left (960x720, the slide letterboxed inside it), the teacher's webcam at the top right
// (320x180, 16:9) and the chat panel below it (320x540). Exposed so that tests and the
// manifest can name the regions.
#include <cstdint>

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

struct LessonLayout {
    int width = 1280;
    int height = 720;
    Rect slide{0, 0, 960, 720};
    Rect webcam{960, 0, 320, 180};
    Rect chat{960, 180, 320, 540};

    // The default layout scaled to `width` x `height` (both > 0): the same proportions,
    // rounded to whole pixels so that the three areas still tile the frame exactly.
    static LessonLayout for_size(int width, int height);
};

// The largest rectangle with the aspect ratio src_w:src_h that fits inside `area`, centred
// (letterbox or pillarbox). Integer arithmetic only; an empty source gives `area`.
Rect fit_keep_aspect(const Rect& area, int src_w, int src_h);

} // namespace tafel::transcode
