#include "transcode/poll_card.hpp"
#include "transcode/cairo_handles.hpp"

#include <fmt/format.h>

#include <cairo.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <memory>
#include <numeric>

namespace tafel::transcode {

namespace {

using Layout = std::unique_ptr<PangoLayout, GObjectDeleter>;

constexpr int k_padding = 12;
constexpr int k_row_gap = 6;
constexpr int k_bar_h = 10;

void set_rgb(cairo_t* cr, std::uint32_t rgb) {
    cairo_set_source_rgb(cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0, (rgb & 0xff) / 255.0);
}

std::string valid_utf8(const std::string& s) {
    std::unique_ptr<gchar, GFreeDeleter> fixed(g_utf8_make_valid(s.c_str(), static_cast<gssize>(s.size())));
    return fixed ? std::string(fixed.get()) : std::string();
}

Layout text_layout(cairo_t* cr, const std::string& text, int width, const PangoFontDescription* font, bool bold) {
    Layout l(pango_cairo_create_layout(cr));
    pango_layout_set_font_description(l.get(), font);
    const std::string valid = valid_utf8(text);
    pango_layout_set_text(l.get(), valid.c_str(), static_cast<int>(valid.size()));
    pango_layout_set_width(l.get(), width * PANGO_SCALE);
    pango_layout_set_wrap(l.get(), PANGO_WRAP_WORD_CHAR);
    if (bold) {
        PangoAttrList* attrs = pango_attr_list_new();
        pango_attr_list_insert(attrs, pango_attr_weight_new(PANGO_WEIGHT_BOLD));
        pango_layout_set_attributes(l.get(), attrs);
        pango_attr_list_unref(attrs);
    }
    return l;
}

ArgbImage blank(int width, int height) {
    ArgbImage image;
    image.width = width;
    image.height = height;
    image.stride = cairo_format_stride_for_width(CAIRO_FORMAT_ARGB32, width);
    image.pixels.assign(static_cast<std::size_t>(image.stride) * static_cast<std::size_t>(height), 0);
    return image;
}

} // namespace

ArgbImage render_poll_card(const PollCard& card, int width, int max_height) {
    if (width <= 2 * k_padding || max_height <= 2 * k_padding) return {};
    // Lay out once on a scratch surface to learn the height, then draw at that height.
    ArgbImage scratch = blank(1, 1);
    std::unique_ptr<cairo_surface_t, SurfaceDeleter> scratch_surface(cairo_image_surface_create_for_data(
        scratch.pixels.data(), CAIRO_FORMAT_ARGB32, 1, 1, scratch.stride));
    std::unique_ptr<cairo_t, CairoDeleter> scratch_cr(cairo_create(scratch_surface.get()));
    std::unique_ptr<PangoFontDescription, FontDeleter> font(pango_font_description_from_string("Sans"));
    pango_font_description_set_absolute_size(font.get(), 14.0 * PANGO_SCALE);

    const int text_w = width - 2 * k_padding;
    const int total = std::max(1, std::accumulate(card.votes.begin(), card.votes.end(), 0));
    Layout question = text_layout(scratch_cr.get(), card.question, text_w, font.get(), true);
    std::vector<Layout> rows;
    for (std::size_t k = 0; k < card.options.size(); ++k) {
        const int votes = k < card.votes.size() ? card.votes[k] : 0;
        rows.push_back(text_layout(scratch_cr.get(),
                                   fmt::format("{} — {} ({} %)", card.options[k], votes, votes * 100 / total), text_w,
                                   font.get(), false));
    }
    int height = k_padding;
    int h = 0;
    pango_layout_get_pixel_size(question.get(), nullptr, &h);
    height += h + k_row_gap;
    for (const auto& row : rows) {
        pango_layout_get_pixel_size(row.get(), nullptr, &h);
        height += h + 2 + k_bar_h + k_row_gap;
    }
    height = std::min(max_height, height + k_padding);

    ArgbImage image = blank(width, height);
    std::unique_ptr<cairo_surface_t, SurfaceDeleter> surface(
        cairo_image_surface_create_for_data(image.pixels.data(), CAIRO_FORMAT_ARGB32, width, height, image.stride));
    std::unique_ptr<cairo_t, CairoDeleter> cr(cairo_create(surface.get()));
    cairo_t* c = cr.get();
    set_rgb(c, k_poll_background_rgb);
    cairo_paint(c);
    set_rgb(c, 0xC0C4CC);
    cairo_set_line_width(c, 2);
    cairo_rectangle(c, 1, 1, width - 2, height - 2);
    cairo_stroke(c);

    int y = k_padding;
    const auto show = [&](PangoLayout* layout) {
        pango_cairo_update_layout(c, layout);
        set_rgb(c, 0x202124);
        cairo_move_to(c, k_padding, y);
        pango_cairo_show_layout(c, layout);
        int lh = 0;
        pango_layout_get_pixel_size(layout, nullptr, &lh);
        y += lh;
    };
    show(question.get());
    y += k_row_gap;
    for (std::size_t k = 0; k < rows.size() && y < height; ++k) {
        show(rows[k].get());
        y += 2;
        const int votes = k < card.votes.size() ? card.votes[k] : 0;
        set_rgb(c, 0xE8EAED);
        cairo_rectangle(c, k_padding, y, text_w, k_bar_h);
        cairo_fill(c);
        set_rgb(c, k_poll_bar_rgb);
        cairo_rectangle(c, k_padding, y, static_cast<double>(text_w) * votes / total, k_bar_h);
        cairo_fill(c);
        y += k_bar_h + k_row_gap;
    }
    cairo_surface_flush(surface.get());
    return image;
}

} // namespace tafel::transcode
