#include "transcode/compositor.hpp"
#include "transcode/cairo_handles.hpp"
#include "transcode/i420_blit.hpp"

#include <fmt/format.h>

#include <cairo.h>
extern "C" {
#include <libavutil/pixfmt.h>
#include <libswscale/swscale.h>
}

#include <algorithm>
#include <cstring>
#include <map>
#include <utility>
#include <vector>

namespace tafel::transcode {

namespace {

struct SwsDeleter {
    void operator()(SwsContext* c) const noexcept { sws_freeContext(c); }
};
using Surface = std::unique_ptr<cairo_surface_t, SurfaceDeleter>;
using Sws = std::unique_ptr<SwsContext, SwsDeleter>;

// Cairo's ARGB32 is a native-endian 32-bit word; FFmpeg calls that layout RGB32.
constexpr AVPixelFormat k_cairo_format = AV_PIX_FMT_RGB32;
constexpr int k_poll_margin = 16; // px between the poll card and the slide area's edge

// Past this many changed shapes in one frame (a clear of a busy page), the whole page is redrawn.
constexpr std::size_t k_max_shape_areas = 16;
// Converters of partial areas kept at once (one per area size; each holds its filter tables).
constexpr std::size_t k_max_cached_converters = 64;

// `r` widened to the encoders' 16x16 block grid and clipped to `clip`: a redrawn area then
// covers whole blocks, and areas of the same block size share one cached converter
// (Compositor::Impl::rect_sws) instead of one per pixel size.
Rect on_block_grid(const Rect& r, const Rect& clip) {
    if (r.empty()) return {};
    const int x0 = std::max(clip.x, r.x & ~15), y0 = std::max(clip.y, r.y & ~15);
    const int x1 = std::min(clip.right(), (r.right() + 15) & ~15),
              y1 = std::min(clip.bottom(), (r.bottom() + 15) & ~15);
    return x1 > x0 && y1 > y0 ? Rect{x0, y0, x1 - x0, y1 - y0} : Rect{};
}

void set_rgb(cairo_t* cr, std::uint32_t rgb) {
    cairo_set_source_rgb(cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0, (rgb & 0xff) / 255.0);
}

// A Cairo surface borrowing an ArgbImage's pixels (Cairo never writes to a source).
Surface borrow(const ArgbImage& image) {
    return Surface(cairo_image_surface_create_for_data(const_cast<std::uint8_t*>(image.pixels.data()),
                                                       CAIRO_FORMAT_ARGB32, image.width, image.height, image.stride));
}

// Paints `image` into `area`, scaled to fill it exactly when the sizes differ.
void paint_image(cairo_t* cr, const ArgbImage& image, const Rect& area) {
    if (image.empty() || area.empty()) return;
    Surface source = borrow(image);
    cairo_save(cr);
    cairo_rectangle(cr, area.x, area.y, area.w, area.h);
    cairo_clip(cr);
    cairo_translate(cr, area.x, area.y);
    if (image.width != area.w || image.height != area.h) {
        cairo_scale(cr, static_cast<double>(area.w) / image.width, static_cast<double>(area.h) / image.height);
    }
    cairo_set_source_surface(cr, source.get(), 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
    cairo_paint(cr);
    cairo_restore(cr);
}

// A camera or screen picture scaled once per new picture into its place (aspect kept).
struct ScaledPicture {
    std::shared_ptr<const I420Frame> source; // latest picture (the decoder's, shared), not yet scaled
    bool pending = false;
    bool present = false;
    ArgbImage scaled;
    Rect rect;
    Sws sws;                   // I420 → ARGB32 at the target size (cached per geometry)
    I420Scaler direct;         // I420 → I420 into the output frame (the fast path)

    void set(std::shared_ptr<const I420Frame> picture) {
        source = std::move(picture);
        pending = true;
        present = true;
    }
    Result<void> scale_into(const Rect& area) {
        if (!pending) return {};
        pending = false;
        if (!source) return {};
        const I420Frame& src = *source;
        rect = fit_keep_aspect(area, src.width, src.height);
        if (rect.empty()) return {};
        ArgbImage& dst = scaled;
        if (dst.width != rect.w || dst.height != rect.h) {
            dst.width = rect.w;
            dst.height = rect.h;
            dst.stride = cairo_format_stride_for_width(CAIRO_FORMAT_ARGB32, dst.width);
            dst.pixels.assign(static_cast<std::size_t>(dst.stride) * static_cast<std::size_t>(dst.height), 0);
        }
        // Cached: a new context only when the picture's or the target's geometry changes.
        sws.reset(sws_getCachedContext(sws.release(), src.width, src.height, AV_PIX_FMT_YUV420P, dst.width, dst.height,
                                       k_cairo_format, SWS_BILINEAR, nullptr, nullptr, nullptr));
        if (!sws) return fail(Errc::codec, fmt::format("swscale: cannot scale a {}x{} picture", src.width, src.height));
        const std::uint8_t* src_planes[4] = {src.y.data(), src.u.data(), src.v.data(), nullptr};
        const int src_strides[4] = {src.stride_y, src.stride_uv, src.stride_uv, 0};
        std::uint8_t* dst_planes[4] = {dst.pixels.data(), nullptr, nullptr, nullptr};
        const int dst_strides[4] = {dst.stride, 0, 0, 0};
        sws_scale(sws.get(), src_planes, src_strides, 0, src.height, dst_planes, dst_strides);
        return {};
    }
};

struct Tile {
    TileSpec spec;
    Rect rect;
    ScaledPicture picture;
};

} // namespace

struct Compositor::Impl {
    LessonLayout layout;
    ArgbImage canvas;
    Surface surface;
    std::unique_ptr<cairo_t, CairoDeleter> cr;

    std::shared_ptr<const ArgbImage> slide;
    PageMapping mapping;
    std::vector<Shape> shapes;
    CursorState cursor;
    ScaledPicture screen;
    std::vector<Tile> tiles;
    std::shared_ptr<const ArgbImage> poll;
    std::shared_ptr<const ArgbImage> chat;

    Sws output_sws;              // ARGB32 canvas → I420, once per composition
    std::map<std::pair<int, int>, Sws> rect_sws; // ARGB32 → I420 of a dirty rectangle, per size
    I420Frame output;
    I420Frame area_scratch;      // a converted area whose width libswscale would overrun (i420_blit.hpp)
    std::vector<Rect> dirty;     // what to redraw on the next frame(); the whole frame first
    std::vector<Rect> stale;     // drawn straight into I420 since Cairo last painted there
    std::vector<Rect> changed;   // what the last frame() redrew
    std::uint64_t compositions = 0;
    std::uint64_t partial_compositions = 0;
    std::int64_t converted_pixels = 0;

    void mark(const Rect& r);
    ScaledPicture* direct_picture(const Rect& area, std::uint32_t& behind);
    Result<void> draw_direct(const Rect& area, ScaledPicture& picture, std::uint32_t behind);
    Rect poll_rect() const;
    Tile* tile(const std::string& key);
    Result<void> paint(const Rect& area);
    Result<void> compose(const Rect& area);
};

Compositor::Compositor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Compositor::Compositor(Compositor&&) noexcept = default;
Compositor& Compositor::operator=(Compositor&&) noexcept = default;
Compositor::~Compositor() = default;

Result<Compositor> Compositor::create(const LessonLayout& layout) {
    if (layout.width <= 0 || layout.height <= 0 || layout.width % 2 != 0 || layout.height % 2 != 0) {
        return fail(Errc::invalid_argument,
                    fmt::format("output size {}x{} must be positive and even (I420)", layout.width, layout.height));
    }
    auto impl = std::make_unique<Impl>();
    impl->layout = layout;
    impl->mapping.content = layout.slide;
    ArgbImage& c = impl->canvas;
    c.width = layout.width;
    c.height = layout.height;
    c.stride = cairo_format_stride_for_width(CAIRO_FORMAT_ARGB32, layout.width);
    c.pixels.assign(static_cast<std::size_t>(c.stride) * static_cast<std::size_t>(c.height), 0);
    impl->surface.reset(
        cairo_image_surface_create_for_data(c.pixels.data(), CAIRO_FORMAT_ARGB32, c.width, c.height, c.stride));
    impl->cr.reset(cairo_create(impl->surface.get()));
    if (cairo_status(impl->cr.get()) != CAIRO_STATUS_SUCCESS) {
        return fail(Errc::internal, fmt::format("cairo canvas: {}", cairo_status_to_string(cairo_status(impl->cr.get()))));
    }
    impl->output_sws.reset(sws_getContext(c.width, c.height, k_cairo_format, c.width, c.height, AV_PIX_FMT_YUV420P,
                                          SWS_BILINEAR | SWS_ACCURATE_RND, nullptr, nullptr, nullptr));
    if (!impl->output_sws) return fail(Errc::codec, "swscale: cannot convert the canvas to I420");
    impl->output = I420Frame::allocate(c.width, c.height);
    impl->dirty.push_back(Rect{0, 0, c.width, c.height});
    return Compositor(std::move(impl));
}

const LessonLayout& Compositor::layout() const { return impl_->layout; }
std::uint64_t Compositor::compositions() const { return impl_->compositions; }
const std::vector<Rect>& Compositor::changed() const { return impl_->changed; }
const ArgbImage& Compositor::canvas() const { return impl_->canvas; }

Result<const ArgbImage*> Compositor::picture() {
    Impl& s = *impl_;
    // Thumbnails and the poster come from here, every few seconds: repainting what the fast
    // path left out costs one Cairo pass over a tile or the slide area, not one per frame.
    while (!s.stale.empty()) {
        const Rect r = s.stale.back();
        s.stale.pop_back();
        if (auto painted = s.paint(r); !painted) return std::unexpected(painted.error());
    }
    return &s.canvas;
}
std::uint64_t Compositor::partial_compositions() const { return impl_->partial_compositions; }
std::int64_t Compositor::converted_pixels() const { return impl_->converted_pixels; }

// A changed part redraws only its own rectangle, rounded out to even coordinates so that
// the I420 conversion of the rectangle covers whole chroma samples.
void Compositor::Impl::mark(const Rect& r) {
    if (r.empty()) return;
    const int x0 = std::max(0, r.x & ~1), y0 = std::max(0, r.y & ~1);
    const int x1 = std::min(layout.width, (r.right() + 1) & ~1), y1 = std::min(layout.height, (r.bottom() + 1) & ~1);
    if (x1 <= x0 || y1 <= y0) return;
    const Rect even{x0, y0, x1 - x0, y1 - y0};
    for (const Rect& d : dirty) {
        if (d.contains(even)) return;
    }
    dirty.push_back(even);
}

Rect Compositor::Impl::poll_rect() const {
    if (!poll || poll->empty() || layout.slide.empty()) return {};
    const Rect& s = layout.slide;
    return Rect{s.x + k_poll_margin, std::max(s.y, s.bottom() - k_poll_margin - poll->height),
                std::min(poll->width, s.w), std::min(poll->height, s.h)};
}

Tile* Compositor::Impl::tile(const std::string& key) {
    auto it = std::find_if(tiles.begin(), tiles.end(), [&](const Tile& t) { return t.spec.key == key; });
    return it == tiles.end() ? nullptr : &*it;
}

void Compositor::set_slide(std::shared_ptr<const ArgbImage> slide) {
    if (slide == impl_->slide) return;
    impl_->slide = std::move(slide);
    if (!impl_->screen.present) impl_->mark(impl_->layout.slide);
}

void Compositor::set_page_mapping(const PageMapping& mapping) {
    if (mapping == impl_->mapping) return;
    impl_->mapping = mapping;
    if (!impl_->screen.present) impl_->mark(impl_->layout.slide);
}

void Compositor::set_shapes(std::vector<Shape> shapes) {
    Impl& s = *impl_;
    if (shapes == s.shapes) return;
    if (!s.screen.present) {
        // Only where a shape was or is now: a pencil stroke grows by a few points per update,
        // and redrawing the whole slide area for it cost a Cairo pass, an RGB → I420
        // conversion and a block comparison of 960x720 px per update, and made the frame
        // pool copy whole frames for as long as the update was in its history. An update
        // keeps the shape's place in the list, so comparing place by place finds it; a
        // removal shifts the shapes after it, which are then redrawn too (correct, just more).
        std::vector<Rect> areas;
        const std::size_t n = std::max(s.shapes.size(), shapes.size());
        for (std::size_t k = 0; k < n; ++k) {
            const Shape* before = k < s.shapes.size() ? &s.shapes[k] : nullptr;
            const Shape* after = k < shapes.size() ? &shapes[k] : nullptr;
            if (before != nullptr && after != nullptr && *before == *after) continue;
            for (const Shape* shape : {before, after}) {
                if (shape != nullptr) areas.push_back(shape_bounds(s.mapping, *shape));
            }
        }
        if (areas.size() > k_max_shape_areas) areas.assign(1, s.mapping.content);
        for (const Rect& r : areas) s.mark(on_block_grid(r, s.mapping.content));
    }
    s.shapes = std::move(shapes);
}

void Compositor::set_cursor(const CursorState& cursor) {
    if (cursor == impl_->cursor) return;
    if (!impl_->screen.present) {
        impl_->mark(cursor_bounds(impl_->mapping, impl_->cursor));
        impl_->mark(cursor_bounds(impl_->mapping, cursor));
    }
    impl_->cursor = cursor;
}

void Compositor::set_screen(std::shared_ptr<const I420Frame> picture) {
    if (!picture || picture->empty()) return;
    impl_->screen.set(std::move(picture));
    impl_->mark(impl_->layout.slide);
}

void Compositor::clear_screen() {
    if (!impl_->screen.present) return;
    impl_->screen.present = false;
    impl_->screen.pending = false;
    impl_->mark(impl_->layout.slide);
}

void Compositor::set_tiles(std::vector<TileSpec> specs) {
    Impl& s = *impl_;
    specs.resize(std::min<std::size_t>(specs.size(), static_cast<std::size_t>(s.layout.max_tiles())));
    bool same = specs.size() == s.tiles.size();
    for (std::size_t k = 0; same && k < specs.size(); ++k) same = specs[k] == s.tiles[k].spec;
    if (same) return;
    // Keep each participant's last picture: a reorder must not blank their tile.
    std::vector<Tile> tiles;
    const auto rects = s.layout.tile_rects(static_cast<int>(specs.size()));
    for (std::size_t k = 0; k < specs.size(); ++k) {
        Tile t;
        if (Tile* old = s.tile(specs[k].key)) {
            t.picture.source = std::move(old->picture.source);
            t.picture.present = old->picture.present;
            t.picture.pending = t.picture.present;
        }
        t.spec = std::move(specs[k]);
        t.rect = rects[k];
        tiles.push_back(std::move(t));
    }
    s.tiles = std::move(tiles);
    s.mark(s.layout.webcam);
}

void Compositor::set_tile_picture(const std::string& key, std::shared_ptr<const I420Frame> picture) {
    Tile* t = impl_->tile(key);
    if (t == nullptr || !picture || picture->empty()) return;
    t->picture.set(std::move(picture));
    impl_->mark(t->rect);
}

void Compositor::clear_tile_picture(const std::string& key) {
    Tile* t = impl_->tile(key);
    if (t == nullptr || !t->picture.present) return;
    t->picture.present = false;
    t->picture.pending = false;
    impl_->mark(t->rect);
}

void Compositor::set_poll(std::shared_ptr<const ArgbImage> card) {
    if (card == impl_->poll) return;
    impl_->mark(impl_->poll_rect());
    impl_->poll = std::move(card);
    impl_->mark(impl_->poll_rect());
}

void Compositor::set_chat(std::shared_ptr<const ArgbImage> panel) {
    if (panel == impl_->chat) return;
    impl_->chat = std::move(panel);
    impl_->mark(impl_->layout.chat);
}

// Redraws every layer inside `area` on the canvas (clipped: Cairo touches only those pixels).
Result<void> Compositor::Impl::paint(const Rect& area) {
    cairo_t* c = cr.get();
    cairo_save(c);
    cairo_rectangle(c, area.x, area.y, area.w, area.h);
    cairo_clip(c);
    set_rgb(c, k_background_rgb);
    cairo_paint(c);
    if (!layout.slide.empty() && layout.slide.overlaps(area)) {
        if (screen.present) {
            if (auto scaled = screen.scale_into(layout.slide); !scaled) {
                cairo_restore(c);
                return scaled;
            }
            paint_image(c, screen.scaled, screen.rect);
        } else {
            if (slide) paint_image(c, *slide, layout.slide);
            paint_shapes(c, mapping, shapes);
            paint_cursor(c, mapping, cursor);
        }
    }
    if (const Rect p = poll_rect(); !p.empty() && p.overlaps(area)) paint_image(c, *poll, p);
    if (!layout.webcam.empty() && layout.webcam.overlaps(area)) {
        if (tiles.empty()) {
            set_rgb(c, k_webcam_placeholder_rgb);
            cairo_rectangle(c, layout.webcam.x, layout.webcam.y, layout.webcam.w, layout.webcam.h);
            cairo_fill(c);
        }
        for (Tile& t : tiles) {
            if (!t.rect.overlaps(area)) continue;
            if (t.picture.present) {
                if (auto scaled = t.picture.scale_into(t.rect); !scaled) {
                    cairo_restore(c);
                    return scaled;
                }
                set_rgb(c, k_webcam_placeholder_rgb);
                cairo_rectangle(c, t.rect.x, t.rect.y, t.rect.w, t.rect.h);
                cairo_fill(c);
                paint_image(c, t.picture.scaled, t.picture.rect);
            } else {
                paint_initials(c, t.rect, t.spec.name, t.spec.rgb);
            }
        }
    }
    if (chat && !layout.chat.empty()) paint_image(c, *chat, layout.chat);
    cairo_restore(c);
    cairo_surface_flush(surface.get());
    std::erase_if(stale, [&](const Rect& r) { return area.contains(r); });
    return {};
}

// Paints `area` and converts just that rectangle to I420; the rest of the output frame stays
// as it was.
Result<void> Compositor::Impl::compose(const Rect& area) {
    if (auto painted = paint(area); !painted) return painted;
    SwsContext* sws = output_sws.get();
    if (area.w != canvas.width || area.h != canvas.height) {
        // Whiteboard areas come in many block-grid sizes: the cache stays bounded.
        if (rect_sws.size() >= k_max_cached_converters && !rect_sws.contains({area.w, area.h})) rect_sws.clear();
        Sws& cached = rect_sws[{area.w, area.h}];
        if (!cached) {
            cached.reset(sws_getContext(area.w, area.h, k_cairo_format, area.w, area.h, AV_PIX_FMT_YUV420P,
                                        SWS_BILINEAR | SWS_ACCURATE_RND, nullptr, nullptr, nullptr));
            if (!cached) return fail(Errc::codec, fmt::format("swscale: cannot convert a {}x{} area", area.w, area.h));
        }
        sws = cached.get();
        ++partial_compositions;
    }
    const std::uint8_t* src_planes[4] = {canvas.pixels.data() + static_cast<std::ptrdiff_t>(area.y) * canvas.stride +
                                             area.x * 4,
                                         nullptr, nullptr, nullptr};
    const int src_strides[4] = {canvas.stride, 0, 0, 0};
    sws_scale_into(sws, src_planes, src_strides, area.h, output, area, area_scratch);
    converted_pixels += static_cast<std::int64_t>(area.w) * area.h;
    return {};
}

// The picture that fills `area` alone — a webcam tile's, or the screen share's when no poll
// card lies over it — or null. `behind`: the colour around it when its aspect differs.
ScaledPicture* Compositor::Impl::direct_picture(const Rect& area, std::uint32_t& behind) {
    if (!i420_aligned(area, output.width, output.height)) return nullptr;
    if (chat && layout.chat.overlaps(area)) return nullptr;
    ScaledPicture* picture = nullptr;
    if (area == layout.slide && screen.present) {
        if (poll_rect().overlaps(area)) return nullptr;
        picture = &screen;
        behind = k_background_rgb;
    } else {
        for (Tile& t : tiles) {
            if (t.rect == area && t.picture.present) {
                picture = &t.picture;
                behind = k_webcam_placeholder_rgb;
            }
        }
    }
    if (picture == nullptr || !picture->source || picture->source->empty()) return nullptr;
    const Rect fit = fit_keep_aspect(area, picture->source->width, picture->source->height);
    return i420_aligned(fit, output.width, output.height) ? picture : nullptr;
}

// The fast path: the colour behind, then the picture scaled from its I420 straight into the
// output's I420. The Cairo canvas is left as it was there: a later Cairo redraw of any part
// of `area` repaints every layer of that part (the ARGB copy of the picture is still marked
// pending), so the canvas's stale pixels never reach the output.
Result<void> Compositor::Impl::draw_direct(const Rect& area, ScaledPicture& picture, std::uint32_t behind) {
    const Rect fit = fit_keep_aspect(area, picture.source->width, picture.source->height);
    if (fit != area) fill_i420(output, area, bt601_limited(behind));
    if (auto scaled = picture.direct.scale(*picture.source, output, fit); !scaled) return scaled;
    converted_pixels += static_cast<std::int64_t>(area.w) * area.h;
    ++partial_compositions;
    if (std::none_of(stale.begin(), stale.end(), [&](const Rect& r) { return r.contains(area); })) {
        stale.push_back(area);
    }
    return {};
}

Result<const I420Frame*> Compositor::frame() {
    Impl& s = *impl_;
    s.changed.clear();
    if (!s.dirty.empty()) {
        // A camera or screen picture alone in its rectangle skips Cairo (draw_direct); the
        // rest is redrawn through Cairo, all at once when that is most of the frame anyway.
        struct Direct {
            Rect area;
            ScaledPicture* picture;
            std::uint32_t behind;
        };
        std::vector<Direct> direct;
        std::vector<Rect> rest;
        std::int64_t pixels = 0;
        for (const Rect& r : s.dirty) {
            std::uint32_t behind = 0;
            if (ScaledPicture* picture = s.direct_picture(r, behind)) {
                direct.push_back({r, picture, behind});
                continue;
            }
            rest.push_back(r);
            pixels += static_cast<std::int64_t>(r.w) * r.h;
        }
        if (pixels * 2 > static_cast<std::int64_t>(s.layout.width) * s.layout.height) {
            direct.clear();
            rest.assign(1, Rect{0, 0, s.layout.width, s.layout.height});
        }
        for (const Direct& d : direct) {
            if (auto drawn = s.draw_direct(d.area, *d.picture, d.behind); !drawn) return std::unexpected(drawn.error());
            s.changed.push_back(d.area);
        }
        s.changed.insert(s.changed.end(), rest.begin(), rest.end());
        for (const Rect& r : rest) {
            if (auto composed = s.compose(r); !composed) return std::unexpected(composed.error());
        }
        s.dirty.clear();
        ++s.compositions;
    }
    return &s.output;
}

} // namespace tafel::transcode
