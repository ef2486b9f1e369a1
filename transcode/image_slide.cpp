#include "transcode/image_slide.hpp"
#include "transcode/cairo_handles.hpp"

#include <fmt/format.h>

#include <cairo.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <librsvg/rsvg.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace tafel::transcode {

namespace {

struct GErrorDeleter {
    void operator()(GError* e) const noexcept { g_error_free(e); }
};

std::string lower_extension(const std::filesystem::path& file) {
    std::string ext = file.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext;
}

// A gdk-pixbuf picture (RGB(A), unpremultiplied bytes) as a Cairo ARGB32 surface (premultiplied words).
std::unique_ptr<cairo_surface_t, SurfaceDeleter> surface_from_pixbuf(GdkPixbuf* pixbuf) {
    const int w = gdk_pixbuf_get_width(pixbuf), h = gdk_pixbuf_get_height(pixbuf);
    const int channels = gdk_pixbuf_get_n_channels(pixbuf), src_stride = gdk_pixbuf_get_rowstride(pixbuf);
    const bool alpha = gdk_pixbuf_get_has_alpha(pixbuf);
    const guchar* src = gdk_pixbuf_read_pixels(pixbuf);
    std::unique_ptr<cairo_surface_t, SurfaceDeleter> surface(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h));
    unsigned char* dst = cairo_image_surface_get_data(surface.get());
    const int dst_stride = cairo_image_surface_get_stride(surface.get());
    for (int y = 0; y < h; ++y) {
        const guchar* s = src + static_cast<std::ptrdiff_t>(y) * src_stride;
        auto* d = reinterpret_cast<std::uint32_t*>(dst + static_cast<std::ptrdiff_t>(y) * dst_stride);
        for (int x = 0; x < w; ++x, s += channels) {
            const std::uint32_t a = alpha ? s[3] : 255;
            const auto pre = [a](guchar c) { return static_cast<std::uint32_t>((c * a + 127) / 255); };
            d[x] = (a << 24) | (pre(s[0]) << 16) | (pre(s[1]) << 8) | pre(s[2]);
        }
    }
    cairo_surface_mark_dirty(surface.get());
    return surface;
}

} // namespace

struct ImageSlide::Impl {
    std::unique_ptr<RsvgHandle, GObjectDeleter> svg;
    std::unique_ptr<cairo_surface_t, SurfaceDeleter> picture;
    double width = 0, height = 0;
};

ImageSlide::ImageSlide(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ImageSlide::ImageSlide(ImageSlide&&) noexcept = default;
ImageSlide& ImageSlide::operator=(ImageSlide&&) noexcept = default;
ImageSlide::~ImageSlide() = default;
double ImageSlide::width() const { return impl_->width; }
double ImageSlide::height() const { return impl_->height; }

bool is_image_slide(const std::filesystem::path& file) {
    const std::string ext = lower_extension(file);
    return ext == ".svg" || ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

Result<ImageSlide> ImageSlide::open(const std::filesystem::path& file) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
        return fail(Errc::not_found, fmt::format("slide {} does not exist", file.string()));
    }
    auto impl = std::make_unique<Impl>();
    GError* raw_error = nullptr;
    if (lower_extension(file) == ".svg") {
        impl->svg.reset(rsvg_handle_new_from_file(file.c_str(), &raw_error));
        std::unique_ptr<GError, GErrorDeleter> error(raw_error);
        if (!impl->svg) {
            return fail(Errc::malformed_input, fmt::format("slide {} is not a readable SVG: {}", file.string(),
                                                           error ? error->message : "unknown error"));
        }
        gdouble w = 0, h = 0;
        if (!rsvg_handle_get_intrinsic_size_in_pixels(impl->svg.get(), &w, &h) || !(w > 0) || !(h > 0)) {
            // No absolute size: the viewBox's proportions at a slide-like width.
            gboolean has_w = FALSE, has_h = FALSE, has_box = FALSE;
            RsvgLength lw{}, lh{};
            RsvgRectangle box{};
            rsvg_handle_get_intrinsic_dimensions(impl->svg.get(), &has_w, &lw, &has_h, &lh, &has_box, &box);
            w = 1024;
            h = has_box && box.width > 0 && box.height > 0 ? 1024 * box.height / box.width : 768;
        }
        impl->width = w;
        impl->height = h;
    } else {
        std::unique_ptr<GdkPixbuf, GObjectDeleter> pixbuf(gdk_pixbuf_new_from_file(file.c_str(), &raw_error));
        std::unique_ptr<GError, GErrorDeleter> error(raw_error);
        if (!pixbuf) {
            return fail(Errc::malformed_input, fmt::format("slide {} is not a readable picture: {}", file.string(),
                                                           error ? error->message : "unknown error"));
        }
        impl->picture = surface_from_pixbuf(pixbuf.get());
        impl->width = gdk_pixbuf_get_width(pixbuf.get());
        impl->height = gdk_pixbuf_get_height(pixbuf.get());
    }
    return ImageSlide(std::move(impl));
}

void ImageSlide::paint(_cairo* cr) const {
    if (impl_->svg) {
        const RsvgRectangle viewport{0, 0, impl_->width, impl_->height};
        rsvg_handle_render_document(impl_->svg.get(), cr, &viewport, nullptr);
    } else if (impl_->picture) {
        cairo_save(cr);
        cairo_set_source_surface(cr, impl_->picture.get(), 0, 0);
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
        cairo_paint(cr);
        cairo_restore(cr);
    }
}

} // namespace tafel::transcode
