#include "transcode/slide_renderer.hpp"
#include "transcode/cairo_handles.hpp"

#include "transcode/image_slide.hpp"
#include "transcode/lesson_layout.hpp"

#include <fmt/format.h>

#include <cairo.h>
#include <poppler.h>

#include <cstring>
#include <functional>
#include <list>
#include <map>
#include <string>

namespace tafel::transcode {

namespace {

using Document = std::unique_ptr<PopplerDocument, GObjectDeleter>;
using Page = std::unique_ptr<PopplerPage, GObjectDeleter>;

struct GErrorDeleter {
    void operator()(GError* e) const noexcept { g_error_free(e); }
};

Result<Document> open_document(const std::filesystem::path& pdf) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(pdf, ec)) {
        return fail(Errc::not_found, fmt::format("slide deck {} does not exist", pdf.string()));
    }
    const auto absolute = std::filesystem::absolute(pdf, ec);
    GError* raw_error = nullptr;
    std::unique_ptr<gchar, GFreeDeleter> uri(g_filename_to_uri(absolute.c_str(), nullptr, &raw_error));
    std::unique_ptr<GError, GErrorDeleter> error(raw_error);
    if (!uri) {
        return fail(Errc::invalid_argument,
                    fmt::format("slide deck {}: {}", pdf.string(), error ? error->message : "bad path"));
    }
    raw_error = nullptr;
    Document doc(poppler_document_new_from_file(uri.get(), nullptr, &raw_error));
    error.reset(raw_error);
    if (!doc) {
        return fail(Errc::malformed_input,
                    fmt::format("slide deck {} is not a readable PDF: {}", pdf.string(),
                                error ? error->message : "unknown error"));
    }
    return doc;
}

Result<Page> open_page(PopplerDocument* doc, const std::filesystem::path& pdf, int page) {
    const int pages = poppler_document_get_n_pages(doc);
    if (page < 1 || page > pages) {
        return fail(Errc::not_found, fmt::format("slide deck {} has no page {} (it has {})", pdf.string(), page, pages));
    }
    Page p(poppler_document_get_page(doc, page - 1));
    if (!p) return fail(Errc::malformed_input, fmt::format("slide deck {}: page {} unreadable", pdf.string(), page));
    double page_w = 0;
    double page_h = 0;
    poppler_page_get_size(p.get(), &page_w, &page_h);
    if (!(page_w > 0) || !(page_h > 0)) {
        return fail(Errc::malformed_input, fmt::format("slide deck {}: page {} has no size", pdf.string(), page));
    }
    return p;
}

// A page of page_w x page_h (points or px) drawn by `paint` at width x height: letterbox,
// the page's own white paper (PDF pages are transparent), then the viewed part of the page.
Result<ArgbImage> render_sheet(const std::filesystem::path& file, int page, int width, int height, double page_w,
                               double page_h, const SlideView& view, const std::function<void(cairo_t*)>& paint) {
    if (width <= 0 || height <= 0) {
        return fail(Errc::invalid_argument, fmt::format("slide size {}x{} is empty", width, height));
    }
    ArgbImage image;
    image.width = width;
    image.height = height;
    image.stride = cairo_format_stride_for_width(CAIRO_FORMAT_ARGB32, width);
    image.pixels.assign(static_cast<std::size_t>(image.stride) * static_cast<std::size_t>(height), 0);
    std::unique_ptr<cairo_surface_t, SurfaceDeleter> surface(cairo_image_surface_create_for_data(
        image.pixels.data(), CAIRO_FORMAT_ARGB32, width, height, image.stride));
    std::unique_ptr<cairo_t, CairoDeleter> cr(cairo_create(surface.get()));
    if (cairo_status(cr.get()) != CAIRO_STATUS_SUCCESS) {
        return fail(Errc::internal, fmt::format("cairo: {}", cairo_status_to_string(cairo_status(cr.get()))));
    }
    cairo_set_source_rgb(cr.get(), ((k_letterbox_rgb >> 16) & 0xff) / 255.0, ((k_letterbox_rgb >> 8) & 0xff) / 255.0,
                         (k_letterbox_rgb & 0xff) / 255.0);
    cairo_paint(cr.get());
    const Rect fit = page_rect_in(Rect{0, 0, width, height}, page_w, page_h, view);
    cairo_rectangle(cr.get(), fit.x, fit.y, fit.w, fit.h);
    cairo_set_source_rgb(cr.get(), 1, 1, 1);
    cairo_fill(cr.get());
    cairo_save(cr.get());
    cairo_rectangle(cr.get(), fit.x, fit.y, fit.w, fit.h);
    cairo_clip(cr.get());
    cairo_translate(cr.get(), fit.x, fit.y);
    // Only the viewed part of the page: scale it to the fitted rectangle, shift its corner there.
    cairo_scale(cr.get(), fit.w / (page_w * view.w), fit.h / (page_h * view.h));
    cairo_translate(cr.get(), -view.x * page_w, -view.y * page_h);
    paint(cr.get());
    cairo_restore(cr.get());
    cairo_surface_flush(surface.get());
    if (cairo_status(cr.get()) != CAIRO_STATUS_SUCCESS) {
        return fail(Errc::malformed_input, fmt::format("slide deck {} page {}: {}", file.string(), page,
                                                       cairo_status_to_string(cairo_status(cr.get()))));
    }
    return image;
}

Result<ArgbImage> render_page(PopplerDocument* doc, const std::filesystem::path& pdf, int page, int width,
                              int height, const SlideView& view) {
    auto opened = open_page(doc, pdf, page);
    if (!opened) return std::unexpected(opened.error());
    double page_w = 0;
    double page_h = 0;
    poppler_page_get_size(opened->get(), &page_w, &page_h);
    return render_sheet(pdf, page, width, height, page_w, page_h, view,
                        [&](cairo_t* cr) { poppler_page_render(opened->get(), cr); });
}

// An image deck has one page.
Result<ImageSlide> open_image(const std::filesystem::path& file, int page) {
    if (page != 1) return fail(Errc::not_found, fmt::format("slide {} is a picture: it has no page {}", file.string(), page));
    return ImageSlide::open(file);
}

Result<ArgbImage> render_image(const std::filesystem::path& file, int page, int width, int height,
                               const SlideView& view) {
    auto slide = open_image(file, page);
    if (!slide) return std::unexpected(slide.error());
    return render_sheet(file, page, width, height, slide->width(), slide->height(), view,
                        [&](cairo_t* cr) { slide->paint(cr); });
}

} // namespace

Rect page_rect_in(const Rect& area, double page_w, double page_h, const SlideView& view) {
    // Points are fractional: fit in milli-points so the integer fit keeps the exact ratio.
    return fit_keep_aspect(area, std::max(1, static_cast<int>(page_w * view.w * 1000 + 0.5)),
                           std::max(1, static_cast<int>(page_h * view.h * 1000 + 0.5)));
}

Result<ArgbImage> render_pdf_page(const std::filesystem::path& pdf, int page, int width, int height,
                                  const SlideView& view) {
    if (is_image_slide(pdf)) return render_image(pdf, page, width, height, view);
    auto doc = open_document(pdf);
    if (!doc) return std::unexpected(doc.error());
    return render_page(doc->get(), pdf, page, width, height, view);
}

Result<std::pair<double, double>> pdf_page_size(const std::filesystem::path& pdf, int page) {
    if (is_image_slide(pdf)) {
        auto slide = open_image(pdf, page);
        if (!slide) return std::unexpected(slide.error());
        return std::pair{slide->width(), slide->height()};
    }
    auto doc = open_document(pdf);
    if (!doc) return std::unexpected(doc.error());
    auto p = open_page(doc->get(), pdf, page);
    if (!p) return std::unexpected(p.error());
    std::pair<double, double> size;
    poppler_page_get_size(p->get(), &size.first, &size.second);
    return size;
}

Result<std::string> pdf_page_text(const std::filesystem::path& pdf, int page) {
    if (is_image_slide(pdf)) return std::string(); // pictures carry no text layer
    auto doc = open_document(pdf);
    if (!doc) return std::unexpected(doc.error());
    auto p = open_page(doc->get(), pdf, page);
    if (!p) return std::unexpected(p.error());
    std::unique_ptr<gchar, GFreeDeleter> text(poppler_page_get_text(p->get()));
    return std::string(text ? text.get() : "");
}

Result<int> pdf_page_count(const std::filesystem::path& pdf) {
    auto doc = open_document(pdf);
    if (!doc) return std::unexpected(doc.error());
    return poppler_document_get_n_pages(doc->get());
}

struct SlideRenderer::Impl {
    struct Key {
        std::string pdf;
        int page;
        int width;
        int height;
        SlideView view;
        auto operator<=>(const Key&) const = default;
    };
    using Lru = std::list<std::pair<Key, std::shared_ptr<const ArgbImage>>>;

    std::size_t max_cached;
    std::map<std::string, Document> documents;
    Lru lru; // most recently used first
    std::map<Key, Lru::iterator> index;
    std::uint64_t hits = 0;
    std::uint64_t rasterised = 0;
};

SlideRenderer::SlideRenderer(std::size_t max_cached_pages) : impl_(std::make_unique<Impl>()) {
    impl_->max_cached = max_cached_pages == 0 ? 1 : max_cached_pages;
}
SlideRenderer::SlideRenderer(SlideRenderer&&) noexcept = default;
SlideRenderer& SlideRenderer::operator=(SlideRenderer&&) noexcept = default;
SlideRenderer::~SlideRenderer() = default;

std::uint64_t SlideRenderer::cache_hits() const { return impl_->hits; }
std::uint64_t SlideRenderer::rasterised() const { return impl_->rasterised; }

Result<std::pair<double, double>> SlideRenderer::page_size(const std::filesystem::path& pdf, int page) {
    if (is_image_slide(pdf)) return pdf_page_size(pdf, page);
    Impl& s = *impl_;
    auto doc_it = s.documents.find(pdf.string());
    if (doc_it == s.documents.end()) {
        auto doc = open_document(pdf);
        if (!doc) return std::unexpected(doc.error());
        doc_it = s.documents.emplace(pdf.string(), std::move(*doc)).first;
    }
    auto p = open_page(doc_it->second.get(), pdf, page);
    if (!p) return std::unexpected(p.error());
    std::pair<double, double> size;
    poppler_page_get_size(p->get(), &size.first, &size.second);
    return size;
}

Result<std::shared_ptr<const ArgbImage>> SlideRenderer::render(const std::filesystem::path& pdf, int page, int width,
                                                               int height, const SlideView& view) {
    Impl& s = *impl_;
    Impl::Key key{pdf.string(), page, width, height, view};
    if (auto it = s.index.find(key); it != s.index.end()) {
        s.lru.splice(s.lru.begin(), s.lru, it->second);
        ++s.hits;
        return it->second->second;
    }
    Result<ArgbImage> image;
    if (is_image_slide(pdf)) {
        image = render_image(pdf, page, width, height, view);
    } else {
        auto doc_it = s.documents.find(key.pdf);
        if (doc_it == s.documents.end()) {
            auto doc = open_document(pdf);
            if (!doc) return std::unexpected(doc.error());
            doc_it = s.documents.emplace(key.pdf, std::move(*doc)).first;
        }
        image = render_page(doc_it->second.get(), pdf, page, width, height, view);
    }
    if (!image) return std::unexpected(image.error());
    ++s.rasterised;
    auto shared = std::make_shared<const ArgbImage>(std::move(*image));
    s.lru.emplace_front(key, shared);
    s.index[key] = s.lru.begin();
    while (s.lru.size() > s.max_cached) {
        s.index.erase(s.lru.back().first);
        s.lru.pop_back();
    }
    return shared;
}

} // namespace tafel::transcode
