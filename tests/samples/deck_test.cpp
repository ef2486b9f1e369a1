#include "samples/deck.hpp"

#include <cairo.h>
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <poppler.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

using namespace tafel::samples;

namespace {

struct GObjectDeleter {
    void operator()(void* o) const noexcept { g_object_unref(o); }
};
struct SurfaceDeleter {
    void operator()(cairo_surface_t* s) const noexcept { cairo_surface_destroy(s); }
};
struct ContextDeleter {
    void operator()(cairo_t* c) const noexcept { cairo_destroy(c); }
};
struct GFreeDeleter {
    void operator()(void* p) const noexcept { g_free(p); }
};

std::filesystem::path temp_file(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() / fmt::format("tafel-samples-test-{}", ::getpid());
    std::filesystem::create_directories(dir);
    return dir / name;
}

// Greyscale pixels of a page rendered at 1/4 scale (240x135), as a renderer would see it.
std::vector<double> render(PopplerPage* page) {
    constexpr int w = 240, h = 135;
    std::unique_ptr<cairo_surface_t, SurfaceDeleter> surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h));
    std::unique_ptr<cairo_t, ContextDeleter> cr(cairo_create(surface.get()));
    cairo_set_source_rgb(cr.get(), 1, 1, 1);
    cairo_paint(cr.get());
    cairo_scale(cr.get(), 0.25, 0.25);
    poppler_page_render(page, cr.get());
    cairo_surface_flush(surface.get());
    std::vector<double> grey;
    const unsigned char* data = cairo_image_surface_get_data(surface.get());
    const int stride = cairo_image_surface_get_stride(surface.get());
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            const unsigned char* px = data + y * stride + x * 4;
            for (int c = 0; c < 3; ++c) grey.push_back(px[c]);
        }
    }
    return grey;
}

double psnr(const std::vector<double>& a, const std::vector<double>& b) {
    double sum = 0;
    for (std::size_t i = 0; i < a.size(); ++i) sum += (a[i] - b[i]) * (a[i] - b[i]);
    const double mse = sum / static_cast<double>(a.size());
    return mse == 0 ? 1e9 : 10 * std::log10(255.0 * 255.0 / mse);
}

} // namespace

TEST_CASE("the deck is a six-page 16:9 PDF whose pages are easy to tell apart", "[integration]") {
    const auto path = temp_file("deck.pdf");
    REQUIRE(write_deck(path));
    REQUIRE(std::filesystem::file_size(path) > 1000);

    std::unique_ptr<gchar, GFreeDeleter> uri(g_filename_to_uri(path.c_str(), nullptr, nullptr));
    GError* error = nullptr;
    std::unique_ptr<PopplerDocument, GObjectDeleter> doc(poppler_document_new_from_file(uri.get(), nullptr, &error));
    if (error) {
        FAIL(error->message);
    }
    REQUIRE(doc);
    REQUIRE(poppler_document_get_n_pages(doc.get()) == 6);

    std::vector<std::vector<double>> pixels;
    for (int i = 0; i < 6; ++i) {
        std::unique_ptr<PopplerPage, GObjectDeleter> page(poppler_document_get_page(doc.get(), i));
        REQUIRE(page);
        double w = 0, h = 0;
        poppler_page_get_size(page.get(), &w, &h);
        CHECK(w == Approx(960));
        CHECK(h == Approx(540));
        std::unique_ptr<gchar, GFreeDeleter> text(poppler_page_get_text(page.get()));
        REQUIRE(text);
        const std::string s(text.get());
        CHECK(s.find(fmt::format("Folie {} –", i + 1)) != std::string::npos);
        pixels.push_back(render(page.get()));
    }
    // Every pair of pages differs far more than encoding noise would (≥ 35 dB is "same").
    for (std::size_t a = 0; a < pixels.size(); ++a) {
        for (std::size_t b = a + 1; b < pixels.size(); ++b) {
            INFO("pages " << a + 1 << " and " << b + 1);
            CHECK(psnr(pixels[a], pixels[b]) < 20.0);
        }
    }
    std::unique_ptr<PopplerPage, GObjectDeleter> first(poppler_document_get_page(doc.get(), 0));
    std::unique_ptr<gchar, GFreeDeleter> text(poppler_page_get_text(first.get()));
    CHECK(std::string(text.get()).find("Zähler") != std::string::npos);
    std::filesystem::remove_all(path.parent_path());
}

TEST_CASE("write_deck names the file it could not write and rejects a bad page count", "[integration]") {
    auto bad = write_deck("/nonexistent-dir/deck.pdf");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("/nonexistent-dir/deck.pdf") != std::string::npos);
    auto zero = write_deck(temp_file("zero.pdf"), 0);
    REQUIRE_FALSE(zero);
    CHECK(zero.error().code == tafel::Errc::invalid_argument);
    std::filesystem::remove_all(temp_file("x").parent_path());
}
