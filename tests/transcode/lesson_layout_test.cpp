#include "transcode/lesson_layout.hpp"

#include <catch2/catch.hpp>

using namespace tafel::transcode;

TEST_CASE("default layout tiles 1280x720 with slide, webcam and chat apart", "[unit]") {
    const LessonLayout l;
    const Rect frame{0, 0, 1280, 720};
    CHECK(l.width == 1280);
    CHECK(l.height == 720);
    for (const Rect& r : {l.slide, l.webcam, l.chat}) {
        CHECK(frame.contains(r));
        CHECK_FALSE(r.empty());
    }
    CHECK_FALSE(l.slide.overlaps(l.webcam));
    CHECK_FALSE(l.slide.overlaps(l.chat));
    CHECK_FALSE(l.webcam.overlaps(l.chat));
    // Nothing of the frame is left over.
    CHECK(l.slide.w * l.slide.h + l.webcam.w * l.webcam.h + l.chat.w * l.chat.h == 1280 * 720);
    CHECK(l.slide == Rect{0, 0, 960, 720});
    CHECK(l.webcam == Rect{960, 0, 320, 180});
    CHECK(l.chat == Rect{960, 180, 320, 540});
}

TEST_CASE("layout for another size keeps proportions and still tiles the frame", "[unit]") {
    CHECK(LessonLayout::for_size(1280, 720).slide == LessonLayout{}.slide);
    CHECK(LessonLayout::for_size(1280, 720).chat == LessonLayout{}.chat);
    const auto small = LessonLayout::for_size(640, 360);
    CHECK(small.slide == Rect{0, 0, 480, 360});
    CHECK(small.webcam == Rect{480, 0, 160, 90});
    CHECK(small.chat == Rect{480, 90, 160, 270});
    const auto odd = LessonLayout::for_size(854, 480);
    const Rect frame{0, 0, 854, 480};
    CHECK(frame.contains(odd.slide));
    CHECK(frame.contains(odd.chat));
    CHECK(odd.slide.w * odd.slide.h + odd.webcam.w * odd.webcam.h + odd.chat.w * odd.chat.h == 854 * 480);
    CHECK_FALSE(odd.webcam.overlaps(odd.chat));
}

TEST_CASE("fit_keep_aspect letterboxes and pillarboxes, centred", "[unit]") {
    // A 4:3 camera in the 16:9 webcam tile: full height, bars left and right.
    CHECK(fit_keep_aspect(Rect{960, 0, 320, 180}, 640, 480) == Rect{1000, 0, 240, 180});
    // A 16:9 picture in a 4:3 area: full width, bars top and bottom.
    CHECK(fit_keep_aspect(Rect{0, 0, 960, 720}, 1920, 1080) == Rect{0, 90, 960, 540});
    // Same aspect: the whole area.
    CHECK(fit_keep_aspect(Rect{0, 0, 960, 720}, 800, 600) == Rect{0, 0, 960, 720});
    // A4 portrait (595x842 pt) in the slide area.
    const Rect a4 = fit_keep_aspect(Rect{0, 0, 960, 720}, 595, 842);
    CHECK(a4.h == 720);
    CHECK(a4.w == 509);
    CHECK(a4.x == (960 - 509) / 2);
    // No source size: the area.
    CHECK(fit_keep_aspect(Rect{1, 2, 3, 4}, 0, 0) == Rect{1, 2, 3, 4});
}

TEST_CASE("layout presets: no webcams, webcams only, screen share", "[unit]") {
    CHECK(parse_layout_preset("default") == LayoutPreset::standard);
    CHECK(parse_layout_preset("no-webcams") == LayoutPreset::no_webcams);
    CHECK(parse_layout_preset("webcams only") == LayoutPreset::webcams_only);
    CHECK(parse_layout_preset("screen_share") == LayoutPreset::screen_share);
    CHECK_FALSE(parse_layout_preset("fancy").has_value());
    for (auto p : {LayoutPreset::standard, LayoutPreset::no_webcams, LayoutPreset::webcams_only,
                   LayoutPreset::screen_share}) {
        CHECK(parse_layout_preset(to_string(p)) == p);
    }
    const auto none = LessonLayout::for_size(1280, 720, LayoutPreset::no_webcams);
    CHECK(none.webcam.empty());
    CHECK(none.max_tiles() == 0);
    CHECK(none.chat == Rect{960, 0, 320, 720});
    const auto cams = LessonLayout::for_size(1280, 720, LayoutPreset::webcams_only);
    CHECK(cams.slide.empty());
    CHECK(cams.chat.empty());
    CHECK(cams.tile_rects(4) == std::vector<Rect>{{0, 0, 640, 360}, {640, 0, 640, 360}, {0, 360, 640, 360},
                                                  {640, 360, 640, 360}});
    const auto share = LessonLayout::for_size(1280, 720, LayoutPreset::screen_share);
    CHECK(share.slide == Rect{0, 0, 1280, 720});
    CHECK(share.webcam == Rect{1008, 560, 256, 144});
    CHECK(share.slide.contains(share.webcam));
    CHECK(share.chat.empty());
    const auto standard = LessonLayout::for_size(1280, 720);
    CHECK(standard.tile_rects(1) == std::vector<Rect>{{960, 0, 320, 180}});
    CHECK(standard.tile_rects(3).size() == 3);
    CHECK(standard.tile_rects(9).size() == 4);
}
