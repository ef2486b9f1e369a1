#pragma once
// Slides: one PDF page rendered by Poppler into an ARGB32 image of a given size, the page
// scaled to fit with its aspect ratio kept, centred on a neutral letterbox colour. The
// SlideRenderer keeps documents open and caches rendered pages per (deck, page, size), so
// a page shown for minutes is rasterised once.
#include "core/error.hpp"
#include "transcode/argb_image.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>

namespace tafel::transcode {

// The letterbox colour around a page whose aspect differs from the area's (0xRRGGBB).
inline constexpr std::uint32_t k_letterbox_rgb = 0xE8E8E8;

// Renders page `page` (1-based) of `pdf` alone at width x height. Errors name the file and
// page (Errc::not_found for a missing file or page, Errc::malformed_input for a bad PDF).
Result<ArgbImage> render_pdf_page(const std::filesystem::path& pdf, int page, int width, int height);

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
                                                    int height);

    std::uint64_t cache_hits() const;
    std::uint64_t rasterised() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

} // namespace tafel::transcode
