#pragma once
// RAII deleters for the Cairo, Pango and GLib objects transcode/ draws with (slides, chat panel,
// poll card, overlays, sidecars), in one place beside av_handles.hpp. Cairo and Pango stay
// inside transcode/: this header is included only by its .cpp files.
#include <cairo.h>
#include <pango/pangocairo.h>

#include <memory>

namespace tafel::transcode {

struct SurfaceDeleter {
    void operator()(cairo_surface_t* s) const noexcept { cairo_surface_destroy(s); }
};
struct CairoDeleter {
    void operator()(cairo_t* c) const noexcept { cairo_destroy(c); }
};
struct GObjectDeleter {
    void operator()(void* o) const noexcept { g_object_unref(o); }
};
struct FontDeleter {
    void operator()(PangoFontDescription* d) const noexcept { pango_font_description_free(d); }
};
struct GFreeDeleter {
    void operator()(gchar* p) const noexcept { g_free(p); }
};

} // namespace tafel::transcode
