#include "transcode/compositor.hpp"

#include "test_media.hpp"

#include <catch2/catch.hpp>

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

} // namespace

TEST_CASE("compositor places slide, webcam and chat in their rectangles", "[unit]") {
    auto c = Compositor::create(LessonLayout{});
    REQUIRE(c.has_value());
    c->set_slide(solid(960, 720, 0xFFFFFF));
    c->set_chat(solid(320, 540, 0x000000));
    // A 4:3 camera picture of BT.601 limited-range mid grey (Y=126 ⇒ RGB ≈ 128).
    c->set_webcam(camera(640, 480, 126, 128, 128));
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
    // The 4:3 picture is pillarboxed in the 16:9 tile: background at the tile's edges.
    CHECK(near_rgb(canvas.at(965, 90), k_background_rgb, 0));
    CHECK(near_rgb(canvas.at(1275, 90), k_background_rgb, 0));
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
    c->set_webcam(camera(320, 180, 200, 128, 128));  // a new webcam picture
    REQUIRE(c->frame().has_value());
    CHECK(c->compositions() == 2);
    c->set_slide(solid(960, 720, 0x0000FF));         // a slide change
    auto blue = c->frame();
    REQUIRE(blue.has_value());
    CHECK(c->compositions() == 3);
    CHECK(std::abs(luma(**blue, 100, 100) - 41) <= 2); // BT.601 blue
}

TEST_CASE("compositor rejects odd output sizes", "[unit]") {
    auto c = Compositor::create(LessonLayout::for_size(641, 360));
    REQUIRE_FALSE(c.has_value());
    CHECK(c.error().code == Errc::invalid_argument);
}
