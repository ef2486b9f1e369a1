#include "transcode/slide_renderer.hpp"

#include "transcode/lesson_layout.hpp"

#include <fmt/format.h>

#include <cairo.h>
#include <poppler.h>

#include <cstring>
#include <list>
#include <map>
#include <string>

namespace tafel::transcode {

namespace {

struct GObjectDeleter {
    void operator()(void* o) const noexcept { g_object_unref(o); }
};
using Document = std::unique_ptr<PopplerDocument, GObjectDeleter>;
using Page = std::unique_ptr<PopplerPage, GObjectDeleter>;

struct GErrorDeleter {
    void operator()(GError* e) const noexcept { g_error_free(e); }
};
struct GFreeDeleter {
    void operator()(gchar* p) const noexcept { g_free(p); }
};
struct SurfaceDeleter {
    void operator()(cairo_surface_t* s) const noexcept { cairo_surface_destroy(s); }
};
struct CairoDeleter {
    void operator()(cairo_t* c) const noexcept { cairo_destroy(c); }
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

Result<ArgbImage> render_page(PopplerDocument* doc, const std::filesystem::path& pdf, int page, int width,
                              int height) {
    if (width <= 0 || height <= 0) {
        return fail(Errc::invalid_argument, fmt::format("slide size {}x{} is empty", width, height));
    }
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

    // Letterbox, then the page's own white paper (PDF pages are transparent), then the page.
    cairo_set_source_rgb(cr.get(), ((k_letterbox_rgb >> 16) & 0xff) / 255.0, ((k_letterbox_rgb >> 8) & 0xff) / 255.0,
                         (k_letterbox_rgb & 0xff) / 255.0);
    cairo_paint(cr.get());
    // Points are fractional: fit in milli-points so the integer fit keeps the exact ratio.
    const Rect fit = fit_keep_aspect(Rect{0, 0, width, height}, static_cast<int>(page_w * 1000 + 0.5),
                                     static_cast<int>(page_h * 1000 + 0.5));
    cairo_rectangle(cr.get(), fit.x, fit.y, fit.w, fit.h);
    cairo_set_source_rgb(cr.get(), 1, 1, 1);
    cairo_fill(cr.get());
    cairo_save(cr.get());
    cairo_rectangle(cr.get(), fit.x, fit.y, fit.w, fit.h);
    cairo_clip(cr.get());
    cairo_translate(cr.get(), fit.x, fit.y);
    cairo_scale(cr.get(), fit.w / page_w, fit.h / page_h);
    poppler_page_render(p.get(), cr.get());
    cairo_restore(cr.get());
    cairo_surface_flush(surface.get());
    if (cairo_status(cr.get()) != CAIRO_STATUS_SUCCESS) {
        return fail(Errc::malformed_input, fmt::format("slide deck {} page {}: {}", pdf.string(), page,
                                                       cairo_status_to_string(cairo_status(cr.get()))));
    }
    return image;
}

} // namespace

Result<ArgbImage> render_pdf_page(const std::filesystem::path& pdf, int page, int width, int height) {
    auto doc = open_document(pdf);
    if (!doc) return std::unexpected(doc.error());
    return render_page(doc->get(), pdf, page, width, height);
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

Result<std::shared_ptr<const ArgbImage>> SlideRenderer::render(const std::filesystem::path& pdf, int page, int width,
                                                               int height) {
    Impl& s = *impl_;
    Impl::Key key{pdf.string(), page, width, height};
    if (auto it = s.index.find(key); it != s.index.end()) {
        s.lru.splice(s.lru.begin(), s.lru, it->second);
        ++s.hits;
        return it->second->second;
    }
    auto doc_it = s.documents.find(key.pdf);
    if (doc_it == s.documents.end()) {
        auto doc = open_document(pdf);
        if (!doc) return std::unexpected(doc.error());
        doc_it = s.documents.emplace(key.pdf, std::move(*doc)).first;
    }
    auto image = render_page(doc_it->second.get(), pdf, page, width, height);
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
