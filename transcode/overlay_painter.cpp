#include "transcode/overlay_painter.hpp"
#include "transcode/cairo_handles.hpp"

#include <cairo.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numbers>

namespace tafel::transcode {

namespace {


void set_rgb(cairo_t* cr, std::uint32_t rgb, double alpha = 1.0) {
    cairo_set_source_rgba(cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0, (rgb & 0xff) / 255.0, alpha);
}

void show_text(cairo_t* cr, const std::string& text, double x, double y, double w, double size_px, bool centred) {
    std::unique_ptr<PangoLayout, GObjectDeleter> layout(pango_cairo_create_layout(cr));
    std::unique_ptr<PangoFontDescription, FontDeleter> font(pango_font_description_from_string("Sans"));
    pango_font_description_set_absolute_size(font.get(), std::max(1.0, size_px) * PANGO_SCALE);
    pango_layout_set_font_description(layout.get(), font.get());
    std::unique_ptr<gchar, GFreeDeleter> valid(g_utf8_make_valid(text.c_str(), static_cast<gssize>(text.size())));
    pango_layout_set_text(layout.get(), valid.get(), -1);
    pango_layout_set_width(layout.get(), static_cast<int>(std::max(1.0, w) * PANGO_SCALE));
    pango_layout_set_wrap(layout.get(), PANGO_WRAP_WORD_CHAR);
    if (centred) pango_layout_set_alignment(layout.get(), PANGO_ALIGN_CENTER);
    int h = 0;
    pango_layout_get_pixel_size(layout.get(), nullptr, &h);
    cairo_move_to(cr, x, centred ? y - h / 2.0 : y);
    pango_cairo_show_layout(cr, layout.get());
}

void paint_shape(cairo_t* cr, const PageMapping& m, const Shape& s) {
    const auto& p = s.points;
    const double lw = std::max(1.0, s.width * m.scale());
    cairo_set_line_width(cr, lw);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    set_rgb(cr, s.rgb);
    // Two corners for everything but the pencil; a single point stands for both.
    const double x0 = m.x(p[0]), y0 = m.y(p[1]);
    const double x1 = p.size() >= 4 ? m.x(p[2]) : x0, y1 = p.size() >= 4 ? m.y(p[3]) : y0;
    const double left = std::min(x0, x1), top = std::min(y0, y1);
    const double w = std::abs(x1 - x0), h = std::abs(y1 - y0);
    switch (s.kind) {
    case ShapeKind::pencil:
        cairo_move_to(cr, x0, y0);
        if (p.size() == 2) cairo_line_to(cr, x0, y0); // a dot: the round cap draws it
        for (std::size_t i = 2; i + 1 < p.size(); i += 2) cairo_line_to(cr, m.x(p[i]), m.y(p[i + 1]));
        cairo_stroke(cr);
        break;
    case ShapeKind::line:
        cairo_move_to(cr, x0, y0);
        cairo_line_to(cr, x1, y1);
        cairo_stroke(cr);
        break;
    case ShapeKind::rectangle:
        cairo_rectangle(cr, left, top, w, h);
        cairo_stroke(cr);
        break;
    case ShapeKind::ellipse:
        if (w > 0 && h > 0) {
            cairo_save(cr);
            cairo_translate(cr, left + w / 2, top + h / 2);
            cairo_scale(cr, w / 2, h / 2);
            cairo_arc(cr, 0, 0, 1, 0, 2 * std::numbers::pi);
            cairo_restore(cr); // the stroke width stays round
            cairo_stroke(cr);
        }
        break;
    case ShapeKind::triangle: // apex at the top centre, base along the bottom (BigBlueButton's)
        cairo_move_to(cr, left + w / 2, top);
        cairo_line_to(cr, left + w, top + h);
        cairo_line_to(cr, left, top + h);
        cairo_close_path(cr);
        cairo_stroke(cr);
        break;
    case ShapeKind::note:
        set_rgb(cr, 0xFFF59D);
        cairo_rectangle(cr, left, top, w, h);
        cairo_fill(cr);
        set_rgb(cr, 0x202124);
        show_text(cr, s.text, left + 4, top + 4, w - 8, std::max(10.0, h / 6), false);
        break;
    case ShapeKind::text:
        show_text(cr, s.text, left, top, std::max(w, 40.0), std::max(10.0, 0.03 * m.scale()), false);
        break;
    }
}

} // namespace

void paint_shapes(_cairo* cr, const PageMapping& map, std::span<const Shape> shapes) {
    if (shapes.empty() || map.content.empty()) return;
    cairo_save(cr);
    cairo_rectangle(cr, map.content.x, map.content.y, map.content.w, map.content.h);
    cairo_clip(cr);
    for (const auto& s : shapes) {
        if (!s.points.empty()) paint_shape(cr, map, s);
    }
    cairo_restore(cr);
}

Rect cursor_bounds(const PageMapping& map, const CursorState& cursor) {
    if (!cursor.visible || map.content.empty()) return {};
    const double cx = map.x(cursor.x), cy = map.y(cursor.y);
    const int r = k_cursor_radius + 2; // the outline and anti-aliasing
    const Rect dot{static_cast<int>(std::floor(cx)) - r, static_cast<int>(std::floor(cy)) - r, 2 * r + 2, 2 * r + 2};
    // Only the part on the content (a zoomed-in page may hide the cursor).
    const int x0 = std::max(dot.x, map.content.x), y0 = std::max(dot.y, map.content.y);
    const int x1 = std::min(dot.right(), map.content.right()), y1 = std::min(dot.bottom(), map.content.bottom());
    if (x1 <= x0 || y1 <= y0) return {};
    return Rect{x0, y0, x1 - x0, y1 - y0};
}

Rect shape_bounds(const PageMapping& map, const Shape& shape) {
    const auto& p = shape.points;
    if (p.size() < 2 || map.content.empty()) return {};
    if (shape.kind == ShapeKind::text || shape.kind == ShapeKind::note) return map.content;
    // paint_shape uses round caps and joins, so ink reaches at most half the line width beyond
    // the path's points (a triangle's and an ellipse's path stay inside their two corners);
    // one more pixel for Cairo's anti-aliasing and one for rounding.
    const double reach = std::max(1.0, shape.width * map.scale()) / 2 + 2;
    // Pencil: every point; the other kinds: their two corners (a single point stands for both).
    const std::size_t end = shape.kind == ShapeKind::pencil ? p.size() : std::min<std::size_t>(p.size(), 4);
    double x0 = map.x(p[0]), x1 = x0, y0 = map.y(p[1]), y1 = y0;
    for (std::size_t i = 2; i + 1 < end; i += 2) {
        x0 = std::min(x0, map.x(p[i]));
        x1 = std::max(x1, map.x(p[i]));
        y0 = std::min(y0, map.y(p[i + 1]));
        y1 = std::max(y1, map.y(p[i + 1]));
    }
    const Rect& c = map.content;
    const double left = std::max<double>(c.x, std::floor(x0 - reach)),
                 top = std::max<double>(c.y, std::floor(y0 - reach));
    const double right = std::min<double>(c.right(), std::ceil(x1 + reach)),
                 bottom = std::min<double>(c.bottom(), std::ceil(y1 + reach));
    if (!(right > left && bottom > top)) return {}; // off the content
    return Rect{static_cast<int>(left), static_cast<int>(top), static_cast<int>(right - left),
                static_cast<int>(bottom - top)};
}

void paint_cursor(_cairo* cr, const PageMapping& map, const CursorState& cursor) {
    const Rect b = cursor_bounds(map, cursor);
    if (b.empty()) return;
    cairo_save(cr);
    cairo_rectangle(cr, map.content.x, map.content.y, map.content.w, map.content.h);
    cairo_clip(cr);
    cairo_arc(cr, map.x(cursor.x), map.y(cursor.y), k_cursor_radius, 0, 2 * std::numbers::pi);
    set_rgb(cr, k_cursor_rgb, 0.85);
    cairo_fill_preserve(cr);
    set_rgb(cr, 0xFFFFFF);
    cairo_set_line_width(cr, 1.5);
    cairo_stroke(cr);
    cairo_restore(cr);
}

std::string initials_of(const std::string& name) {
    // First UTF-8 character of the first and of the last word.
    std::vector<std::string> words;
    std::size_t i = 0;
    while (i < name.size()) {
        while (i < name.size() && name[i] == ' ') ++i;
        const std::size_t start = i;
        while (i < name.size() && name[i] != ' ') ++i;
        if (i > start) words.push_back(name.substr(start, i - start));
    }
    const auto first_char = [](const std::string& w) {
        const gchar* next = g_utf8_find_next_char(w.c_str(), w.c_str() + w.size());
        const std::size_t n = next == nullptr ? w.size() : static_cast<std::size_t>(next - w.c_str());
        std::unique_ptr<gchar, GFreeDeleter> upper(g_utf8_strup(w.c_str(), static_cast<gssize>(n)));
        return std::string(upper ? upper.get() : "");
    };
    if (words.empty()) return "?";
    std::string out = first_char(words.front());
    if (words.size() > 1) out += first_char(words.back());
    return out;
}

std::uint32_t tile_colour(const std::string& participant_id) {
    // FNV-1a of the id picks one of a few dark, distinct colours: the same pupil, the same colour.
    static constexpr std::uint32_t k_palette[] = {0x1E88E5, 0x43A047, 0x8E24AA, 0xF4511E,
                                                  0x00897B, 0x6D4C41, 0x3949AB, 0xC0CA33};
    std::uint32_t h = 2166136261u;
    for (unsigned char c : participant_id) h = (h ^ c) * 16777619u;
    return k_palette[h % std::size(k_palette)];
}

void paint_initials(_cairo* cr, const Rect& tile, const std::string& name, std::uint32_t rgb) {
    if (tile.empty()) return;
    cairo_save(cr);
    cairo_rectangle(cr, tile.x, tile.y, tile.w, tile.h);
    cairo_clip(cr);
    set_rgb(cr, rgb);
    cairo_paint(cr);
    set_rgb(cr, 0xFFFFFF);
    show_text(cr, initials_of(name), tile.x, tile.y + tile.h / 2.0, tile.w, tile.h * 0.35, true);
    cairo_restore(cr);
}

} // namespace tafel::transcode
