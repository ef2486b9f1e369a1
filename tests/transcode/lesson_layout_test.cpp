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
