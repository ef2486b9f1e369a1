#include "transcode/lesson_layout.hpp"

#include <algorithm>

namespace tafel::transcode {

LessonLayout LessonLayout::for_size(int width, int height) {
    LessonLayout l;
    l.width = width;
    l.height = height;
    // Proportions of the 1280x720 reference: slide 3/4 of the width, webcam 1/4 of the
    // height. The webcam column takes what the slide leaves, so nothing overlaps or gaps.
    const int slide_w = width * 3 / 4;
    const int side_w = width - slide_w;
    const int webcam_h = height / 4;
    l.slide = Rect{0, 0, slide_w, height};
    l.webcam = Rect{slide_w, 0, side_w, webcam_h};
    l.chat = Rect{slide_w, webcam_h, side_w, height - webcam_h};
    return l;
}

Rect fit_keep_aspect(const Rect& area, int src_w, int src_h) {
    if (src_w <= 0 || src_h <= 0 || area.empty()) return area;
    // Compare area.w / area.h with src_w / src_h without division: the narrower side bounds.
    const std::int64_t lhs = static_cast<std::int64_t>(area.w) * src_h;
    const std::int64_t rhs = static_cast<std::int64_t>(area.h) * src_w;
    int w = area.w;
    int h = area.h;
    if (lhs > rhs) {
        // Area is wider than the source: full height, pillarbox left and right.
        w = static_cast<int>((static_cast<std::int64_t>(area.h) * src_w + src_h / 2) / src_h);
    } else if (lhs < rhs) {
        // Area is taller: full width, letterbox top and bottom.
        h = static_cast<int>((static_cast<std::int64_t>(area.w) * src_h + src_w / 2) / src_w);
    }
    w = std::clamp(w, 1, area.w);
    h = std::clamp(h, 1, area.h);
    return Rect{area.x + (area.w - w) / 2, area.y + (area.h - h) / 2, w, h};
}

} // namespace tafel::transcode
