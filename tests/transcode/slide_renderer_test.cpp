#include "transcode/slide_renderer.hpp"

#include "test_media.hpp"

#include <catch2/catch.hpp>

#include <cairo.h>

#include <fstream>

using namespace tafel;
using namespace tafel::transcode;
using namespace tafel::transcode::test;

TEST_CASE("slide renderer draws the requested PDF page at the slide area's size", "[unit]") {
    TempDir dir;
    const auto pdf = dir.path() / "deck.pdf";
    write_pdf(pdf, {0xFF0000, 0x0000FF, 0x00C000});

    REQUIRE(pdf_page_count(pdf).value() == 3);
    // 800x600 pt pages fill the 960x720 slide area exactly.
    auto page2 = render_pdf_page(pdf, 2, 960, 720);
    REQUIRE(page2.has_value());
    CHECK(page2->width == 960);
    CHECK(page2->height == 720);
    CHECK(near_rgb(page2->at(480, 500), 0x0000FF));
    CHECK(near_rgb(page2->at(2, 2), 0x0000FF));
    CHECK(near_rgb(page2->at(957, 717), 0x0000FF));
    // The black label sits in the top-left quarter: some dark pixels there, none below.
    int dark_top = 0;
    int dark_bottom = 0;
    for (int y = 0; y < 720; y += 2) {
        for (int x = 0; x < 480; x += 2) {
            const auto px = page2->at(x, y);
            if (red(px) < 60 && green(px) < 60 && blue(px) < 60) (y < 180 ? dark_top : dark_bottom)++;
        }
    }
    CHECK(dark_top > 50);
    CHECK(dark_bottom == 0);

    auto page3 = render_pdf_page(pdf, 3, 960, 720);
    REQUIRE(page3.has_value());
    CHECK(near_rgb(page3->at(480, 500), 0x00C000));
}

TEST_CASE("slide renderer keeps the page's aspect ratio on the letterbox colour", "[unit]") {
    TempDir dir;
    const auto pdf = dir.path() / "deck.pdf";
    write_pdf(pdf, {0xFF0000});
    // A 4:3 page in a 16:9 area: 720x540 page in the middle, bars left and right.
    auto wide = render_pdf_page(pdf, 1, 960, 540);
    REQUIRE(wide.has_value());
    CHECK(near_rgb(wide->at(480, 270), 0xFF0000));
    CHECK(near_rgb(wide->at(125, 270), 0xFF0000));
    CHECK(near_rgb(wide->at(10, 270), k_letterbox_rgb, 0));
    CHECK(near_rgb(wide->at(950, 270), k_letterbox_rgb, 0));
    // A portrait page (A4) in the 4:3 area: bars left and right.
    const auto a4 = dir.path() / "a4.pdf";
    write_pdf(a4, {0x00FF00}, 595, 842);
    auto portrait = render_pdf_page(a4, 1, 960, 720);
    REQUIRE(portrait.has_value());
    CHECK(near_rgb(portrait->at(480, 600), 0x00FF00));
    CHECK(near_rgb(portrait->at(100, 360), k_letterbox_rgb, 0));
}

TEST_CASE("slide renderer names the deck and page that do not exist", "[unit]") {
    TempDir dir;
    const auto pdf = dir.path() / "deck.pdf";
    write_pdf(pdf, {0xFF0000, 0x00FF00});
    auto missing_page = render_pdf_page(pdf, 3, 960, 720);
    REQUIRE_FALSE(missing_page.has_value());
    CHECK(missing_page.error().code == Errc::not_found);
    CHECK_THAT(missing_page.error().message, Catch::Contains("page 3"));
    auto missing_file = render_pdf_page(dir.path() / "nope.pdf", 1, 960, 720);
    REQUIRE_FALSE(missing_file.has_value());
    CHECK(missing_file.error().code == Errc::not_found);
    CHECK_THAT(missing_file.error().message, Catch::Contains("nope.pdf"));
    const auto junk = dir.path() / "junk.pdf";
    { std::FILE* f = std::fopen(junk.c_str(), "wb"); std::fputs("not a pdf at all", f); std::fclose(f); }
    auto bad = render_pdf_page(junk, 1, 960, 720);
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().code == Errc::malformed_input);
}

TEST_CASE("slide renderer rasterises a page once per size and serves it from the cache", "[unit]") {
    TempDir dir;
    const auto pdf = dir.path() / "deck.pdf";
    write_pdf(pdf, {0xFF0000, 0x0000FF});
    SlideRenderer renderer(2);
    auto first = renderer.render(pdf, 1, 960, 720);
    auto again = renderer.render(pdf, 1, 960, 720);
    REQUIRE(first.has_value());
    REQUIRE(again.has_value());
    CHECK(first->get() == again->get());
    CHECK(renderer.rasterised() == 1);
    CHECK(renderer.cache_hits() == 1);
    auto other = renderer.render(pdf, 2, 960, 720);
    REQUIRE(other.has_value());
    CHECK(near_rgb((*other)->at(480, 500), 0x0000FF));
    (void)renderer.render(pdf, 2, 480, 360);   // evicts page 1 (capacity 2)
    (void)renderer.render(pdf, 1, 960, 720);
    CHECK(renderer.rasterised() == 4);
    // The image handed out earlier stays valid after eviction.
    CHECK(near_rgb((*first)->at(480, 500), 0xFF0000));
}

TEST_CASE("slide renderer: SVG and PNG slides (librsvg, gdk-pixbuf) as one-page decks", "[unit]") {
    TempDir tmp;
    const auto svg = tmp.path() / "tafel.svg";
    std::ofstream(svg) << R"(<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600" viewBox="0 0 800 600">)"
                       << R"(<rect width="800" height="600" fill="#ff0000"/><rect x="0" y="0" width="400" height="300" fill="#0000ff"/></svg>)";
    auto image = render_pdf_page(svg, 1, 960, 720);
    REQUIRE(image.has_value());
    CHECK(near_rgb(image->at(720, 540), 0xFF0000));   // 4:3 fills 960x720 exactly
    CHECK(near_rgb(image->at(240, 180), 0x0000FF));   // the top-left quarter
    auto size = pdf_page_size(svg, 1);
    REQUIRE(size.has_value());
    CHECK(size->first == 800);
    CHECK(size->second == 600);
    // Zoomed into the top-left quarter: blue everywhere.
    auto zoomed = render_pdf_page(svg, 1, 960, 720, SlideView{0, 0, 0.5, 0.5});
    REQUIRE(zoomed.has_value());
    CHECK(near_rgb(zoomed->at(900, 700), 0x0000FF));
    CHECK(render_pdf_page(svg, 2, 960, 720).error().code == Errc::not_found);

    // A 16:9 PNG letterboxed into 960x720.
    const auto png = tmp.path() / "photo.PNG";
    {
        cairo_surface_t* s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 320, 180);
        cairo_t* cr = cairo_create(s);
        cairo_set_source_rgb(cr, 0, 0.5, 0);
        cairo_paint(cr);
        cairo_destroy(cr);
        REQUIRE(cairo_surface_write_to_png(s, png.c_str()) == CAIRO_STATUS_SUCCESS);
        cairo_surface_destroy(s);
    }
    SlideRenderer renderer;
    auto photo = renderer.render(png, 1, 960, 720);
    REQUIRE(photo.has_value());
    CHECK(near_rgb((*photo)->at(480, 360), 0x008000, 3));
    CHECK(near_rgb((*photo)->at(480, 20), k_letterbox_rgb, 0));  // 960x540 centred
    auto text = pdf_page_text(png, 1);
    REQUIRE(text.has_value());
    CHECK(text->empty());
    const auto broken = tmp.path() / "broken.svg";
    std::ofstream(broken) << "<svg";
    CHECK(render_pdf_page(broken, 1, 960, 720).error().code == Errc::malformed_input);
}
