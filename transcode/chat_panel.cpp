#include "transcode/chat_panel.hpp"
#include "transcode/cairo_handles.hpp"

#include <fmt/format.h>

#include <cairo.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <memory>
#include <vector>

namespace tafel::transcode {

namespace {

using Layout = std::unique_ptr<PangoLayout, GObjectDeleter>;

constexpr int k_padding = 8;        // px around the panel's content
constexpr int k_message_gap = 8;    // px between two messages
constexpr int k_header_gap = 2;     // px between a message's header and its text

void set_rgb(cairo_t* cr, std::uint32_t rgb) {
    cairo_set_source_rgb(cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0, (rgb & 0xff) / 255.0);
}

// Pango expects valid UTF-8; chat text comes from outside, so repair it first.
std::string valid_utf8(const std::string& s) {
    std::unique_ptr<gchar, GFreeDeleter> fixed(g_utf8_make_valid(s.c_str(), static_cast<gssize>(s.size())));
    return fixed ? std::string(fixed.get()) : std::string();
}

struct MessageLayout {
    Layout header;
    Layout body;
    int header_h = 0;
    int body_h = 0;
    int height() const { return header_h + k_header_gap + body_h; }
};

MessageLayout layout_message(cairo_t* cr, const ChatLine& line, int text_width, const PangoFontDescription* font) {
    MessageLayout m;
    m.header.reset(pango_cairo_create_layout(cr));
    m.body.reset(pango_cairo_create_layout(cr));

    // Header: the name in bold, then the time in the regular face (attributes, not markup,
    // so that names containing '<' or '&' need no escaping).
    const std::string name = valid_utf8(line.name);
    const std::string header = fmt::format("{}  {}", name, format_lesson_time(line.t_ms));
    pango_layout_set_font_description(m.header.get(), font);
    pango_layout_set_text(m.header.get(), header.c_str(), static_cast<int>(header.size()));
    pango_layout_set_width(m.header.get(), text_width * PANGO_SCALE);
    pango_layout_set_ellipsize(m.header.get(), PANGO_ELLIPSIZE_END);
    PangoAttrList* attrs = pango_attr_list_new();
    PangoAttribute* weight = pango_attr_weight_new(PANGO_WEIGHT_BOLD);
    weight->start_index = 0;
    weight->end_index = static_cast<guint>(name.size());
    pango_attr_list_insert(attrs, weight); // the list owns the attribute
    pango_layout_set_attributes(m.header.get(), attrs);
    pango_attr_list_unref(attrs);

    const std::string body = valid_utf8(line.text);
    pango_layout_set_font_description(m.body.get(), font);
    pango_layout_set_text(m.body.get(), body.c_str(), static_cast<int>(body.size()));
    pango_layout_set_width(m.body.get(), text_width * PANGO_SCALE);
    // Break at words, and inside a word only when one word is wider than the panel.
    pango_layout_set_wrap(m.body.get(), PANGO_WRAP_WORD_CHAR);

    pango_layout_get_pixel_size(m.header.get(), nullptr, &m.header_h);
    pango_layout_get_pixel_size(m.body.get(), nullptr, &m.body_h);
    return m;
}

} // namespace

std::string format_lesson_time(std::int64_t t_ms) {
    if (t_ms < 0) t_ms = 0;
    const std::int64_t total_s = t_ms / 1000;
    return fmt::format("{:02}:{:02}", total_s / 60, total_s % 60);
}

ArgbImage render_chat_panel(std::span<const ChatLine> lines, int width, int height) {
    ArgbImage image;
    if (width <= 0 || height <= 0) return image;
    image.width = width;
    image.height = height;
    image.stride = cairo_format_stride_for_width(CAIRO_FORMAT_ARGB32, width);
    image.pixels.assign(static_cast<std::size_t>(image.stride) * static_cast<std::size_t>(height), 0);
    std::unique_ptr<cairo_surface_t, SurfaceDeleter> surface(
        cairo_image_surface_create_for_data(image.pixels.data(), CAIRO_FORMAT_ARGB32, width, height, image.stride));
    std::unique_ptr<cairo_t, CairoDeleter> cr(cairo_create(surface.get()));

    set_rgb(cr.get(), k_chat_background_rgb);
    cairo_paint(cr.get());

    const int text_width = std::max(1, width - 2 * k_padding);
    // Sizes in pixels (absolute) so that the panel looks the same at any output DPI.
    std::unique_ptr<PangoFontDescription, FontDeleter> font(pango_font_description_from_string("Sans"));
    pango_font_description_set_absolute_size(font.get(), 13.0 * PANGO_SCALE);

    // Newest first, upwards from the bottom edge, until the panel is full: older messages
    // are simply not drawn (scrolled off); a partly visible one is clipped at the top.
    int bottom = height - k_padding;
    for (auto it = lines.rbegin(); it != lines.rend() && bottom > 0; ++it) {
        MessageLayout m = layout_message(cr.get(), *it, text_width, font.get());
        const int top = bottom - m.height();
        set_rgb(cr.get(), 0x1A4F8B);
        cairo_move_to(cr.get(), k_padding, top);
        pango_cairo_show_layout(cr.get(), m.header.get());
        set_rgb(cr.get(), 0x202124);
        cairo_move_to(cr.get(), k_padding, top + m.header_h + k_header_gap);
        pango_cairo_show_layout(cr.get(), m.body.get());
        bottom = top - k_message_gap;
    }
    cairo_surface_flush(surface.get());
    return image;
}

} // namespace tafel::transcode
