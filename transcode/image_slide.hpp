#pragma once
// Slides that are not PDFs (issue 5 item 3): an SVG (librsvg) or a PNG/JPEG picture
// (gdk-pixbuf, which librsvg brings along) uploaded as a one-page deck. Opened once, drawn
// through Cairo at any scale — SVG as vectors, pictures filtered.
#include "core/error.hpp"

#include <filesystem>
#include <memory>

struct _cairo; // cairo_t, without including cairo.h here

namespace tafel::transcode {

// True for .svg, .png, .jpg, .jpeg (any case).
bool is_image_slide(const std::filesystem::path& file);

class ImageSlide {
public:
    // Errc::not_found for a missing file, Errc::malformed_input for one that does not decode.
    static Result<ImageSlide> open(const std::filesystem::path& file);
    ImageSlide(ImageSlide&&) noexcept;
    ImageSlide& operator=(ImageSlide&&) noexcept;
    ~ImageSlide();

    // Intrinsic size in px (SVG: its width/height, else its viewBox, else 1024x768).
    double width() const;
    double height() const;
    // Draws the slide at its intrinsic size at the origin of `cr`'s current transformation.
    void paint(_cairo* cr) const;

    struct Impl;

private:
    explicit ImageSlide(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace tafel::transcode
