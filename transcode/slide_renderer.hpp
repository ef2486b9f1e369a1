#pragma once
// Slides: one PDF page rendered by Poppler into an ARGB32 image of a given size, the page
// scaled to fit with its aspect ratio kept, centred on a neutral letterbox colour. The
// SlideRenderer keeps documents open and caches rendered pages per (deck, page, size), so
// a page shown for minutes is rasterised once.
#include "core/error.hpp"
#include "transcode/argb_image.hpp"
#include "transcode/lesson_layout.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>

namespace tafel::transcode {

// The part of a page on screen (pan/zoom, event `slide_view`): fractions of the page.
struct SlideView {
    double x = 0, y = 0, w = 1, h = 1;
    bool whole() const { return x == 0 && y == 0 && w == 1 && h == 1; }
    friend bool operator==(const SlideView&, const SlideView&) = default;
    auto operator<=>(const SlideView&) const = default;
};

// The letterbox colour around a page whose aspect differs from the area's (0xRRGGBB).
inline constexpr std::uint32_t k_letterbox_rgb = 0xE8E8E8;

// Renders page `page` (1-based) of `pdf` alone at width x height. Errors name the file and
// page (Errc::not_found for a missing file or page, Errc::malformed_input for a bad PDF).
// With a view, only that part of the page is shown, fitted the same way.
Result<ArgbImage> render_pdf_page(const std::filesystem::path& pdf, int page, int width, int height,
                                  const SlideView& view = {});

// Where the visible part of a page of page_w x page_h points lands inside `area` (the
// rectangle the slide image letterboxes it into): whiteboard and cursor map through it.

Rect page_rect_in(const Rect& area, double page_w, double page_h, const SlideView& view);

// The size of page `page` in points.
Result<std::pair<double, double>> pdf_page_size(const std::filesystem::path& pdf, int page);

// The text of page `page` (Poppler's text extraction, reading order), "" when it has none.
Result<std::string> pdf_page_text(const std::filesystem::path& pdf, int page);

// Number of pages of `pdf`.
Result<int> pdf_page_count(const std::filesystem::path& pdf);

class SlideRenderer {
public:
    explicit SlideRenderer(std::size_t max_cached_pages = 8);
    SlideRenderer(SlideRenderer&&) noexcept;
    SlideRenderer& operator=(SlideRenderer&&) noexcept;
    ~SlideRenderer();

    // Like render_pdf_page, cached; the image stays valid for as long as the caller holds it.
    Result<std::shared_ptr<const ArgbImage>> render(const std::filesystem::path& pdf, int page, int width,
                                                    int height, const SlideView& view = {});
    // The page's size in points (documents stay open).
    Result<std::pair<double, double>> page_size(const std::filesystem::path& pdf, int page);

    std::uint64_t cache_hits() const;
    std::uint64_t rasterised() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

} // namespace tafel::transcode
