#include "transcode/compositor.hpp"

#include "transcode/i420_blit.hpp"
#include "transcode/poll_card.hpp"

#include "test_media.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>

using namespace tafel;
using namespace tafel::transcode;
using namespace tafel::transcode::test;

namespace {

std::shared_ptr<const ArgbImage> solid(int w, int h, std::uint32_t rgb) {
    ArgbImage img;
    img.width = w;
    img.height = h;
    img.stride = w * 4;
    img.pixels.resize(static_cast<std::size_t>(img.stride) * static_cast<std::size_t>(h));
    const std::uint32_t word = 0xFF000000u | rgb;
    for (std::size_t i = 0; i < img.pixels.size(); i += 4) std::memcpy(&img.pixels[i], &word, 4);
    return std::make_shared<const ArgbImage>(std::move(img));
}

I420Frame camera(int w, int h, std::uint8_t y, std::uint8_t u, std::uint8_t v) {
    auto f = I420Frame::allocate(w, h);
    std::fill(f.y.begin(), f.y.end(), y);
    std::fill(f.u.begin(), f.u.end(), u);
    std::fill(f.v.begin(), f.v.end(), v);
    return f;
}

int luma(const I420Frame& f, int x, int y) { return f.y[static_cast<std::size_t>(y * f.stride_y + x)]; }

// Pixels of `now` that differ from `before` outside every rectangle of `changed`.
int changed_outside(const I420Frame& before, const I420Frame& now, const std::vector<Rect>& changed) {
    const auto inside = [&](int x, int y) {
        return std::any_of(changed.begin(), changed.end(),
                           [&](const Rect& r) { return x >= r.x && x < r.right() && y >= r.y && y < r.bottom(); });
    };
    int outside = 0;
    for (int y = 0; y < now.height; ++y) {
        for (int x = 0; x < now.width; ++x) {
            const auto at = static_cast<std::size_t>(y * now.stride_y + x);
            const auto uv = static_cast<std::size_t>((y / 2) * now.stride_uv + x / 2);
            const bool differs = now.y[at] != before.y[at] || now.u[uv] != before.u[uv] || now.v[uv] != before.v[uv];
            if (differs && !inside(x, y)) ++outside;
        }
    }
    return outside;
}

} // namespace

TEST_CASE("compositor places slide, webcam and chat in their rectangles", "[unit]") {
    auto c = Compositor::create(LessonLayout{});
    REQUIRE(c.has_value());
    c->set_slide(solid(960, 720, 0xFFFFFF));
    c->set_chat(solid(320, 540, 0x000000));
    // A 4:3 camera picture of BT.601 limited-range mid grey (Y=126 ⇒ RGB ≈ 128).
    c->set_tiles({{"teacher", "Frau Müller", 0x1E88E5}});
    c->set_tile_picture("teacher", camera(640, 480, 126, 128, 128));
    auto frame = c->frame();
    REQUIRE(frame.has_value());
    const I420Frame& f = **frame;
    REQUIRE(f.width == 1280);
    REQUIRE(f.height == 720);
    CHECK(std::abs(luma(f, 480, 360) - 235) <= 2);   // white slide: limited-range white
    CHECK(std::abs(luma(f, 1100, 500) - 16) <= 2);   // black chat panel
    CHECK(std::abs(luma(f, 1120, 90) - 126) <= 3);   // webcam tile centre
    const ArgbImage canvas = c->canvas();
    CHECK(near_rgb(canvas.at(1120, 90), 0x808080, 4));
    // The 4:3 picture is pillarboxed in the 16:9 tile: placeholder grey at the tile's edges.
    CHECK(near_rgb(canvas.at(965, 90), k_webcam_placeholder_rgb, 0));
    CHECK(near_rgb(canvas.at(1275, 90), k_webcam_placeholder_rgb, 0));
    CHECK(near_rgb(canvas.at(1005, 90), 0x808080, 4));
}

TEST_CASE("compositor shows a placeholder before the first webcam picture", "[unit]") {
    auto c = Compositor::create(LessonLayout{});
    REQUIRE(c.has_value());
    REQUIRE(c->frame().has_value());
    CHECK(near_rgb(c->canvas().at(1120, 90), k_webcam_placeholder_rgb, 0));
    CHECK(near_rgb(c->canvas().at(480, 360), k_background_rgb, 0)); // no slide yet
}

TEST_CASE("compositor redraws only when something changed", "[unit]") {
    auto c = Compositor::create(LessonLayout{});
    REQUIRE(c.has_value());
    auto slide = solid(960, 720, 0xFF0000);
    c->set_slide(slide);
    auto first = c->frame();
    REQUIRE(first.has_value());
    CHECK(c->compositions() == 1);
    const int red_luma = luma(**first, 100, 100);
    CHECK(std::abs(red_luma - 81) <= 2);            // BT.601 red
    c->set_slide(slide);                             // the same slide again
    REQUIRE(c->frame().has_value());
    REQUIRE(c->frame().has_value());
    CHECK(c->compositions() == 1);
    c->set_tiles({{"teacher", "Frau Müller", 0x1E88E5}});
    REQUIRE(c->frame().has_value());
    CHECK(c->compositions() == 2);
    c->set_tile_picture("teacher", camera(320, 180, 200, 128, 128)); // a new webcam picture
    const auto converted = c->converted_pixels();
    REQUIRE(c->frame().has_value());
    CHECK(c->compositions() == 3);
    CHECK(c->converted_pixels() - converted == 320 * 180);             // only the tile
    c->set_tile_picture("nobody", camera(320, 180, 90, 128, 128));   // no such tile: nothing
    REQUIRE(c->frame().has_value());
    c->set_slide(solid(960, 720, 0x0000FF));         // a slide change
    auto blue = c->frame();
    REQUIRE(blue.has_value());
    CHECK(c->compositions() == 4);
    CHECK(std::abs(luma(**blue, 100, 100) - 41) <= 2); // BT.601 blue
}

TEST_CASE("compositor rejects odd output sizes", "[unit]") {
    auto c = Compositor::create(LessonLayout::for_size(641, 360));
    REQUIRE_FALSE(c.has_value());
    CHECK(c.error().code == Errc::invalid_argument);
}

TEST_CASE("compositor draws whiteboard shapes and the cursor over the slide", "[unit]") {
    auto c = Compositor::create(LessonLayout{});
    REQUIRE(c.has_value());
    c->set_slide(solid(960, 720, 0xFFFFFF));
    // A 4:3 page letterboxed into the 960x720 area fills it exactly.
    c->set_page_mapping(PageMapping{Rect{0, 0, 960, 720}, SlideView{}});
    Shape stroke;
    stroke.id = "s1";
    stroke.kind = ShapeKind::line;
    stroke.points = {0.1, 0.5, 0.9, 0.5};
    stroke.rgb = 0xFF0000;
    stroke.width = 0.01; // 9.6 px
    c->set_shapes({stroke});
    REQUIRE(c->frame().has_value());
    CHECK(near_rgb(c->canvas().at(480, 360), 0xFF0000, 2));
    CHECK(near_rgb(c->canvas().at(480, 340), 0xFFFFFF, 0));
    CHECK(near_rgb(c->canvas().at(50, 360), 0xFFFFFF, 0));  // the line starts at 0.1 = 96 px

    // The cursor: a move redraws its old and new spot, not the slide.
    c->set_cursor(CursorState{true, 0.25, 0.25});
    auto converted = c->converted_pixels();
    REQUIRE(c->frame().has_value());
    CHECK(near_rgb(c->canvas().at(240, 180), k_cursor_rgb, 40));
    CHECK(c->converted_pixels() - converted < 30 * 30);
    c->set_cursor(CursorState{true, 0.75, 0.25});
    converted = c->converted_pixels();
    REQUIRE(c->frame().has_value());
    CHECK(near_rgb(c->canvas().at(240, 180), 0xFFFFFF, 0));  // gone from the old spot
    CHECK(near_rgb(c->canvas().at(720, 180), k_cursor_rgb, 40));
    CHECK(c->converted_pixels() - converted < 2 * 30 * 30);

    // Zoomed in on the left half: the line's middle moves to x = 960.
    c->set_page_mapping(PageMapping{Rect{0, 0, 960, 720}, SlideView{0, 0, 0.5, 1}});
    REQUIRE(c->frame().has_value());
    CHECK(near_rgb(c->canvas().at(480, 360), 0xFF0000, 2));
    c->set_shapes({});                                         // cleared
    REQUIRE(c->frame().has_value());
    CHECK(near_rgb(c->canvas().at(480, 360), 0xFFFFFF, 0));
}

TEST_CASE("compositor: up to four tiles, speaker first, initials when a camera is off", "[unit]") {
    auto c = Compositor::create(LessonLayout{});
    REQUIRE(c.has_value());
    c->set_tiles({{"p1", "Jonas Berg", 0x43A047}, {"teacher", "Frau Müller", 0x1E88E5}, {"p3", "Ali", 0x8E24AA},
                  {"p4", "Mia", 0x00897B}, {"p5", "Tom", 0x6D4C41}});
    c->set_tile_picture("teacher", camera(320, 180, 200, 128, 128));
    c->set_tile_picture("p5", camera(320, 180, 200, 128, 128)); // the fifth has no tile
    REQUIRE(c->frame().has_value());
    const ArgbImage& canvas = c->canvas();
    // 2x2 grid of 160x90 in the 320x180 webcam area.
    CHECK(near_rgb(canvas.at(965, 5), 0x43A047, 0));           // speaker top left: initials tile
    CHECK(near_rgb(canvas.at(1200, 45), 0xDADADA, 30));         // teacher's bright picture, top right
    CHECK(near_rgb(canvas.at(965, 95), 0x8E24AA, 0));
    CHECK(near_rgb(canvas.at(1125, 95), 0x00897B, 0));
    // The initials are drawn in white on the tile: some pixel near its centre is light.
    bool letters = false;
    for (int x = 1010; x < 1070; ++x) letters = letters || green(canvas.at(x, 45)) > 200;
    CHECK(letters);
    CHECK(initials_of("Jonas Berg") == "JB");
    CHECK(initials_of("ölçer") == "Ö");
    CHECK(initials_of("") == "?");
    CHECK(tile_colour("p1") == tile_colour("p1"));

    c->clear_tile_picture("teacher");                           // camera off → initials
    REQUIRE(c->frame().has_value());
    CHECK(near_rgb(c->canvas().at(1125, 5), 0x1E88E5, 0));
}

TEST_CASE("compositor: a screen share replaces the slide, whiteboard and cursor", "[unit]") {
    auto c = Compositor::create(LessonLayout{});
    REQUIRE(c.has_value());
    c->set_slide(solid(960, 720, 0xFFFFFF));
    c->set_cursor(CursorState{true, 0.5, 0.5});
    c->set_screen(camera(1280, 720, 81, 90, 240));             // BT.601 red, 16:9
    REQUIRE(c->frame().has_value());
    CHECK(near_rgb(c->canvas().at(480, 360), 0xFE0000, 12));   // no cursor drawn over it
    CHECK(near_rgb(c->canvas().at(480, 50), k_background_rgb, 0)); // letterboxed: 960x540 in 960x720
    c->clear_screen();
    REQUIRE(c->frame().has_value());
    CHECK(near_rgb(c->canvas().at(480, 50), 0xFFFFFF, 0));
}

TEST_CASE("compositor: the poll card sits at the slide's bottom left and goes away", "[unit]") {
    auto c = Compositor::create(LessonLayout{});
    REQUIRE(c.has_value());
    c->set_slide(solid(960, 720, 0x000000));
    PollCard card{"q1", "Wie viel ist 2/4?", {"1/2", "1/4", "2/2"}, {6, 2, 0}};
    auto image = std::make_shared<const ArgbImage>(render_poll_card(card, 384, 360));
    REQUIRE(image->width == 384);
    REQUIRE(image->height > 60);
    c->set_poll(image);
    REQUIRE(c->frame().has_value());
    CHECK(near_rgb(c->canvas().at(16 + 200, 720 - 16 - 4), k_poll_background_rgb, 0));
    // The leading option's bar is 6/8 of the width, in the bar colour.
    bool bar = false;
    for (int y = 720 - 16 - image->height; y < 720 - 16; ++y) bar = bar || near_rgb(c->canvas().at(16 + 100, y), k_poll_bar_rgb, 0);
    CHECK(bar);
    c->set_poll(nullptr);
    REQUIRE(c->frame().has_value());
    CHECK(near_rgb(c->canvas().at(16 + 200, 720 - 16 - 4), 0x000000, 0));
}

TEST_CASE("compositor scales a new camera or screen picture straight into the output frame", "[unit]") {
    auto c = Compositor::create(LessonLayout{});
    REQUIRE(c.has_value());
    c->set_slide(solid(960, 720, 0xFFFFFF));
    c->set_tiles({{"teacher", "Frau Müller", 0x1E88E5}});
    c->set_tile_picture("teacher", camera(640, 480, 126, 128, 128));
    auto first = c->frame(); // the first frame: everything through Cairo
    REQUIRE(first.has_value());
    const auto chroma = [](const I420Frame& f, const std::vector<std::uint8_t>& plane, int x, int y) {
        return static_cast<int>(plane[static_cast<std::size_t>((y / 2) * f.stride_uv + x / 2)]);
    };
    // What the Cairo path made of the pillarbox bar and of the letterbox colour.
    const int bar_y = luma(**first, 965, 90), bar_u = chroma(**first, (**first).u, 965, 90);
    CHECK(std::abs(bar_y - bt601_limited(k_webcam_placeholder_rgb).y) <= 1);
    CHECK(std::abs(bar_u - bt601_limited(k_webcam_placeholder_rgb).u) <= 1);

    // A new 4:3 picture (a colour inside the RGB gamut, so that the Cairo path keeps it): only the tile is converted,
    // the canvas is not touched, and the output shows the picture with the same bars as the Cairo path drew.
    c->set_tile_picture("teacher", camera(640, 480, 150, 110, 140));
    auto converted = c->converted_pixels();
    auto next = c->frame();
    REQUIRE(next.has_value());
    const I420Frame& f = **next;
    CHECK(c->converted_pixels() - converted == 320 * 180);
    CHECK(c->changed() == std::vector<Rect>{Rect{960, 0, 320, 180}}); // what the encoders compare
    CHECK(std::abs(luma(f, 1120, 90) - 150) <= 1);
    CHECK(std::abs(chroma(f, f.u, 1120, 90) - 110) <= 1);
    CHECK(std::abs(chroma(f, f.v, 1120, 90) - 140) <= 1);
    CHECK(std::abs(luma(f, 965, 90) - bar_y) <= 1);
    CHECK(std::abs(chroma(f, f.u, 1275, 90) - bar_u) <= 1);
    CHECK(near_rgb(c->canvas().at(1120, 90), 0x808080, 4)); // still the Cairo frame's grey
    CHECK(std::abs(luma(f, 480, 360) - 235) <= 2);          // the slide untouched
    // What thumbnails and the poster are made of shows the new picture (BT.601 of Y 150,
    // Cb 110, Cr 140 ≈ RGB 175, 153, 120), with the bars still there.
    {
        auto picture = c->picture();
        REQUIRE(picture.has_value());
        CHECK(near_rgb((*picture)->at(1120, 90), 0xAF9978, 6));
        CHECK(near_rgb((*picture)->at(965, 90), k_webcam_placeholder_rgb, 0));
    }

    REQUIRE(c->frame().has_value()); // nothing new: nothing changed
    CHECK(c->changed().empty());

    // A screen share: straight into the slide area, letterboxed on the background colour.
    c->set_screen(camera(1280, 720, 81, 90, 240));
    converted = c->converted_pixels();
    auto shared = c->frame();
    REQUIRE(shared.has_value());
    CHECK(c->converted_pixels() - converted == 960 * 720);
    CHECK(std::abs(luma(**shared, 480, 360) - 81) <= 1);
    CHECK(std::abs(luma(**shared, 480, 50) - bt601_limited(k_background_rgb).y) <= 1);
    CHECK(std::abs(luma(**shared, 1120, 90) - 150) <= 1); // the tile kept
    {
        auto picture = c->picture(); // the share, not the slide under it
        REQUIRE(picture.has_value());
        CHECK(near_rgb((*picture)->at(480, 360), 0xFE0000, 12));
        CHECK(near_rgb((*picture)->at(480, 50), k_background_rgb, 0));
    }

    // A poll card over the share: Cairo again, the card over the picture.
    PollCard card{"q1", "Wie viel ist 2/4?", {"1/2", "1/4"}, {3, 1}};
    c->set_poll(std::make_shared<const ArgbImage>(render_poll_card(card, 384, 360)));
    c->set_screen(camera(1280, 720, 41, 240, 110)); // BT.601 blue
    auto polled = c->frame();
    REQUIRE(polled.has_value());
    CHECK(std::abs(luma(**polled, 480, 200) - 41) <= 2);
    CHECK(std::abs(luma(**polled, 16 + 200, 720 - 16 - 4) - bt601_limited(k_poll_background_rgb).y) <= 2);

    // Two tiles now: the webcam area through Cairo, which must show the latest picture
    // (its ARGB copy was still pending after the fast path).
    c->set_tiles({{"teacher", "Frau Müller", 0x1E88E5}, {"p1", "Jonas", 0x43A047}});
    auto two = c->frame();
    REQUIRE(two.has_value());
    const Rect t = c->layout().tile_rects(2)[0];
    CHECK(std::abs(luma(**two, t.x + t.w / 2, t.y + t.h / 2) - 150) <= 3);
}

TEST_CASE("compositor: outside the rectangles it reports as changed, the frame stays as it was", "[unit]") {
    // The encoders skip every block outside changed(), and the frame pool copies only those
    // rectangles: a pixel touched outside them would never reach the video, or only at the
    // next keyframe. Odd-sized areas (a cursor spot is 22 px wide) are where a converter
    // writing whole vectors past the end of a row would show.
    auto c = Compositor::create(LessonLayout{});
    REQUIRE(c.has_value());
    c->set_slide(solid(960, 720, 0x3366CC));
    c->set_page_mapping(PageMapping{Rect{0, 0, 960, 720}, SlideView{}});
    c->set_tiles({{"teacher", "Frau Müller", 0x1E88E5}});
    REQUIRE(c->frame().has_value());
    for (int step = 0; step < 40; ++step) {
        const I420Frame before = **c->frame();
        c->set_cursor(CursorState{true, 0.05 + 0.023 * step, 0.1 + 0.019 * step});
        if (step % 3 == 0) c->set_tile_picture("teacher", camera(640, 480, 60 + step, 128, 128 + step));
        auto now = c->frame();
        REQUIRE(now.has_value());
        INFO("step " << step);
        CHECK(changed_outside(before, **now, c->changed()) == 0);
    }
}

TEST_CASE("compositor: a whiteboard update redraws only around the shapes that changed", "[unit]") {
    // What a page shows after many small updates must equal the page drawn whole, and no
    // pixel may change outside changed() (the encoders and the frame pool rely on it).
    const LessonLayout layout{};
    const PageMapping page{Rect{0, 0, 960, 720}, SlideView{}};
    const auto slide = solid(960, 720, 0xF4F4F4);
    auto c = Compositor::create(layout);
    REQUIRE(c.has_value());
    c->set_slide(slide);
    c->set_page_mapping(page);
    REQUIRE(c->frame().has_value());

    const auto shape = [](std::string id, ShapeKind kind, std::vector<double> points, double width) {
        Shape s;
        s.id = std::move(id);
        s.kind = kind;
        s.points = std::move(points);
        s.rgb = 0x1565C0;
        s.width = width;
        return s;
    };
    std::vector<Shape> shapes{shape("r", ShapeKind::rectangle, {0.6, 0.6, 0.8, 0.7}, 0.01),
                              shape("e", ShapeKind::ellipse, {0.05, 0.7, 0.3, 0.95}, 0.02),
                              shape("t", ShapeKind::triangle, {0.7, 0.05, 0.95, 0.3}, 0.015),
                              shape("p", ShapeKind::pencil, {0.1, 0.1}, 0.006)};
    std::vector<std::vector<Shape>> steps;
    for (int k = 0; k < 12; ++k) { // a pencil stroke growing point by point, as drawn live
        shapes.back().points.push_back(0.1 + 0.03 * k);
        shapes.back().points.push_back(0.1 + 0.02 * k * (k % 3));
        steps.push_back(shapes);
    }
    steps.push_back({shapes[0], shapes[2], shapes[3]});                          // the ellipse removed
    steps.push_back({shape("l", ShapeKind::line, {0.2, 0.5, 0.9, 0.52}, 0.03)}); // cleared, a new line
    steps.push_back({});                                                         // cleared

    for (std::size_t k = 0; k < steps.size(); ++k) {
        INFO("step " << k);
        const I420Frame before = **c->frame();
        c->set_shapes(steps[k]);
        auto now = c->frame();
        REQUIRE(now.has_value());
        const I420Frame& f = **now;
        std::int64_t redrawn = 0;
        for (const Rect& r : c->changed()) redrawn += static_cast<std::int64_t>(r.w) * r.h;
        CHECK(redrawn < 960 * 720 / 2); // not the page
        CHECK(changed_outside(before, f, c->changed()) == 0);

        // The same state drawn whole by a fresh compositor: the same picture.
        auto whole = Compositor::create(layout);
        REQUIRE(whole.has_value());
        whole->set_slide(slide);
        whole->set_page_mapping(page);
        whole->set_shapes(steps[k]);
        auto reference = whole->frame();
        REQUIRE(reference.has_value());
        // Cairo's anti-aliasing of an edge can come out one coverage step apart when a
        // stroke is rasterised under a different clip (a small rectangle instead of the
        // page): the same ink, an edge pixel a shade lighter or darker. So: no pixel off by
        // more than such a step, and only edge pixels off at all.
        int max_off = 0, canvas_off = 0, luma_off = 0;
        for (int y = 0; y < 720; ++y) {
            for (int x = 0; x < 960; ++x) {
                const std::uint32_t a = c->canvas().at(x, y), b = whole->canvas().at(x, y);
                for (int shift = 0; shift < 24; shift += 8) {
                    max_off = std::max(max_off, std::abs(static_cast<int>((a >> shift) & 0xff) -
                                                         static_cast<int>((b >> shift) & 0xff)));
                }
                if (a != b) ++canvas_off;
                if (std::abs(luma(f, x, y) - luma(**reference, x, y)) > 1) ++luma_off;
            }
        }
        CHECK(max_off <= 16);
        CHECK(canvas_off < 200);
        CHECK(luma_off < 200);
    }
}
