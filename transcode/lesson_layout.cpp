#include "transcode/lesson_layout.hpp"

#include <algorithm>

namespace tafel::transcode {

std::optional<LayoutPreset> parse_layout_preset(std::string_view name) {
    std::string n(name);
    for (char& c : n) {
        if (c == '-' || c == ' ') c = '_';
    }
    if (n == "default" || n == "standard") return LayoutPreset::standard;
    if (n == "no_webcams") return LayoutPreset::no_webcams;
    if (n == "webcams_only") return LayoutPreset::webcams_only;
    if (n == "screen_share") return LayoutPreset::screen_share;
    return std::nullopt;
}

std::string to_string(LayoutPreset preset) {
    switch (preset) {
    case LayoutPreset::standard: return "default";
    case LayoutPreset::no_webcams: return "no_webcams";
    case LayoutPreset::webcams_only: return "webcams_only";
    case LayoutPreset::screen_share: return "screen_share";
    }
    return "default";
}

LessonLayout LessonLayout::for_size(int width, int height, LayoutPreset preset) {
    LessonLayout l;
    l.width = width;
    l.height = height;
    l.preset = preset;
    // Proportions of the 1280x720 reference: slide 3/4 of the width, webcam 1/4 of the
    // height. The webcam column takes what the slide leaves, so nothing overlaps or gaps.
    const int slide_w = width * 3 / 4;
    const int side_w = width - slide_w;
    const int webcam_h = height / 4;
    switch (preset) {
    case LayoutPreset::standard:
        l.slide = Rect{0, 0, slide_w, height};
        l.webcam = Rect{slide_w, 0, side_w, webcam_h};
        l.chat = Rect{slide_w, webcam_h, side_w, height - webcam_h};
        break;
    case LayoutPreset::no_webcams:
        l.slide = Rect{0, 0, slide_w, height};
        l.webcam = Rect{};
        l.chat = Rect{slide_w, 0, side_w, height};
        break;
    case LayoutPreset::webcams_only:
        l.slide = Rect{};
        l.webcam = Rect{0, 0, width, height};
        l.chat = Rect{};
        break;
    case LayoutPreset::screen_share: {
        // 1/5 of the frame, 16:9 at 1280x720 (256x144), inset by 1/80 of the width.
        const int w = width / 5 & ~1, h = height / 5 & ~1, margin = width / 80 & ~1;
        l.slide = Rect{0, 0, width, height};
        l.webcam = Rect{width - w - margin, height - h - margin, w, h};
        l.chat = Rect{};
        break;
    }
    }
    return l;
}

std::vector<Rect> LessonLayout::tile_rects(int count) const {
    std::vector<Rect> tiles;
    count = std::min(count, max_tiles());
    if (count <= 0) return tiles;
    if (count == 1) return {webcam};
    const int half_w = webcam.w / 2, half_h = webcam.h / 2;
    for (int k = 0; k < count; ++k) {
        const int col = k % 2, row = k / 2;
        tiles.push_back(Rect{webcam.x + col * half_w, webcam.y + row * half_h,
                             col == 0 ? half_w : webcam.w - half_w, row == 0 ? half_h : webcam.h - half_h});
    }
    return tiles;
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
