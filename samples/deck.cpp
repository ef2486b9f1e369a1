#include "samples/deck.hpp"

#include <cairo-pdf.h>
#include <cairo.h>
#include <fmt/format.h>
#include <pango/pangocairo.h>

#include <array>
#include <cmath>
#include <memory>
#include <numbers>
#include <string_view>

namespace tafel::samples {
namespace {

struct SurfaceDeleter {
    void operator()(cairo_surface_t* s) const noexcept { cairo_surface_destroy(s); }
};
struct ContextDeleter {
    void operator()(cairo_t* c) const noexcept { cairo_destroy(c); }
};
struct GObjectDeleter {
    void operator()(void* o) const noexcept { g_object_unref(o); }
};
struct FontDeleter {
    void operator()(PangoFontDescription* f) const noexcept { pango_font_description_free(f); }
};
using SurfacePtr = std::unique_ptr<cairo_surface_t, SurfaceDeleter>;
using ContextPtr = std::unique_ptr<cairo_t, ContextDeleter>;
using LayoutPtr = std::unique_ptr<PangoLayout, GObjectDeleter>;
using FontPtr = std::unique_ptr<PangoFontDescription, FontDeleter>;

struct Rgb {
    double r, g, b;
};

enum class Diagram { pie, bars, grid, number_line, area, pizza };

struct PageDesign {
    std::string_view topic;
    std::array<std::string_view, 3> bullets;
    Rgb background;
    Rgb accent;
    Diagram diagram;
};

// Six topics of a year-7 lesson on fractions; each page has its own tint, accent colour and
// diagram so that rendered pages differ strongly (a renderer test compares them by PSNR).
constexpr std::array<PageDesign, 6> k_pages = {{
    {"Was ist ein Bruch?",
     {"Zähler über dem Bruchstrich", "Nenner darunter: in wie viele Teile?", "¼ Kuchen für jeden"},
     {1.00, 0.96, 0.92}, {0.85, 0.18, 0.15}, Diagram::pie},
    {"Erweitern und Kürzen",
     {"Zähler und Nenner mit derselben Zahl", "2/4 = 1/2: der Wert bleibt gleich", "Kürzen macht Brüche übersichtlich"},
     {0.92, 0.95, 1.00}, {0.13, 0.35, 0.80}, Diagram::bars},
    {"Gleichnamige Brüche addieren",
     {"Gleicher Nenner: Zähler addieren", "1/8 + 2/8 = 3/8", "Der Nenner ändert sich nicht"},
     {0.92, 1.00, 0.93}, {0.10, 0.60, 0.25}, Diagram::grid},
    {"Brüche vergleichen",
     {"Auf den Hauptnenner bringen", "3/4 ist größer als 2/3", "Der Zahlenstrahl hilft"},
     {1.00, 0.97, 0.88}, {0.95, 0.55, 0.05}, Diagram::number_line},
    {"Brüche multiplizieren",
     {"Zähler mal Zähler, Nenner mal Nenner", "2/3 · 3/4 = 6/12 = 1/2", "Flächenmodell: Überlappung zählt"},
     {0.96, 0.92, 1.00}, {0.50, 0.20, 0.70}, Diagram::area},
    {"Übungsaufgaben",
     {"Kürze 12/16 vollständig", "Wer isst mehr Pizza: ⅜ oder ⅖?", "Viel Spaß beim Üben! 👍"},
     {0.20, 0.22, 0.28}, {0.98, 0.80, 0.10}, Diagram::pizza},
}};

void set_rgb(cairo_t* cr, Rgb c) { cairo_set_source_rgb(cr, c.r, c.g, c.b); }

void draw_text(cairo_t* cr, std::string_view text, const char* font, double x, double y, Rgb colour) {
    LayoutPtr layout(pango_cairo_create_layout(cr));
    FontPtr desc(pango_font_description_from_string(font));
    pango_layout_set_font_description(layout.get(), desc.get());
    pango_layout_set_text(layout.get(), text.data(), static_cast<int>(text.size()));
    set_rgb(cr, colour);
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, layout.get());
}

// One part of a fraction diagram (the current path): the accent colour when it is counted,
// white otherwise, with a dark outline.
void fill_part(cairo_t* cr, Rgb accent, bool shaded) {
    if (shaded) {
        set_rgb(cr, accent);
    } else {
        cairo_set_source_rgb(cr, 1, 1, 1);
    }
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cairo_set_line_width(cr, 3);
    cairo_stroke(cr);
}

void draw_pie(cairo_t* cr, Rgb accent, int parts, int shaded, double cx, double cy, double r) {
    const double step = 2 * std::numbers::pi / parts;
    for (int i = 0; i < parts; ++i) {
        cairo_move_to(cr, cx, cy);
        cairo_arc(cr, cx, cy, r, -std::numbers::pi / 2 + i * step, -std::numbers::pi / 2 + (i + 1) * step);
        cairo_close_path(cr);
        fill_part(cr, accent, i < shaded);
    }
}

void draw_bar(cairo_t* cr, Rgb accent, int parts, int shaded, double x, double y, double w, double h) {
    for (int i = 0; i < parts; ++i) {
        cairo_rectangle(cr, x + i * w / parts, y, w / parts, h);
        fill_part(cr, accent, i < shaded);
    }
}

void draw_diagram(cairo_t* cr, const PageDesign& page) {
    const Rgb a = page.accent;
    switch (page.diagram) {
    case Diagram::pie: draw_pie(cr, a, 4, 1, 740, 330, 150); break;
    case Diagram::bars:
        draw_bar(cr, a, 2, 1, 560, 200, 360, 90);
        draw_bar(cr, a, 4, 2, 560, 340, 360, 90);
        break;
    case Diagram::grid:
        for (int row = 0; row < 2; ++row) {
            for (int col = 0; col < 4; ++col) {
                cairo_rectangle(cr, 580 + col * 85, 180 + row * 150, 80, 140);
                if (row * 4 + col < 3) {
                    set_rgb(cr, a);
                } else {
                    cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
                }
                cairo_fill(cr);
            }
        }
        break;
    case Diagram::number_line:
        set_rgb(cr, a);
        cairo_set_line_width(cr, 8);
        cairo_move_to(cr, 560, 330);
        cairo_line_to(cr, 920, 330);
        cairo_stroke(cr);
        for (int i = 0; i <= 12; ++i) {
            const double x = 560 + 360.0 * i / 12;
            cairo_move_to(cr, x, i % 12 == 0 ? 290 : 310);
            cairo_line_to(cr, x, i % 12 == 0 ? 370 : 350);
            cairo_set_line_width(cr, 4);
            cairo_stroke(cr);
        }
        // 2/3 and 3/4 as triangles above the line.
        for (double v : {2.0 / 3.0, 3.0 / 4.0}) {
            const double x = 560 + 360 * v;
            cairo_move_to(cr, x, 300);
            cairo_line_to(cr, x - 25, 230);
            cairo_line_to(cr, x + 25, 230);
            cairo_close_path(cr);
            cairo_fill(cr);
        }
        draw_text(cr, "0", "DejaVu Sans 28", 550, 380, {0.2, 0.2, 0.2});
        draw_text(cr, "1", "DejaVu Sans 28", 910, 380, {0.2, 0.2, 0.2});
        break;
    case Diagram::area:
        for (int row = 0; row < 4; ++row) {
            for (int col = 0; col < 3; ++col) {
                const bool in_two_thirds = col < 2;
                const bool in_three_quarters = row < 3;
                cairo_rectangle(cr, 600 + col * 100, 150 + row * 80, 96, 76);
                if (in_two_thirds && in_three_quarters) {
                    set_rgb(cr, a);
                } else if (in_two_thirds || in_three_quarters) {
                    cairo_set_source_rgb(cr, 0.80, 0.72, 0.88);
                } else {
                    cairo_set_source_rgb(cr, 1, 1, 1);
                }
                cairo_fill(cr);
            }
        }
        break;
    case Diagram::pizza: draw_pie(cr, a, 8, 3, 740, 320, 170); break;
    }
}

Result<void> cairo_result(cairo_status_t status, const std::filesystem::path& path, int page) {
    if (status == CAIRO_STATUS_SUCCESS) return {};
    return fail(Errc::io, fmt::format("write deck {} (page {}): {}", path.string(), page,
                                      cairo_status_to_string(status)));
}

} // namespace

Result<void> write_deck(const std::filesystem::path& path, int pages) {
    if (pages < 1 || pages > 64) {
        return fail(Errc::invalid_argument, fmt::format("write deck {}: pages = {} (want 1..64)", path.string(), pages));
    }
    SurfacePtr surface(cairo_pdf_surface_create(path.c_str(), k_deck_width_pt, k_deck_height_pt));
    if (auto r = cairo_result(cairo_surface_status(surface.get()), path, 0); !r) return r;
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, "Mathe 7b – Brüche");
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, "tafel lesson simulator");
    ContextPtr context(cairo_create(surface.get()));
    cairo_t* cr = context.get();

    for (int n = 1; n <= pages; ++n) {
        const PageDesign& page = k_pages[static_cast<std::size_t>(n - 1) % k_pages.size()];
        const bool dark = page.background.r + page.background.g + page.background.b < 1.5;
        const Rgb ink = dark ? Rgb{0.95, 0.95, 0.95} : Rgb{0.12, 0.12, 0.15};

        set_rgb(cr, page.background);
        cairo_paint(cr);
        // A band in the accent colour under the title, as wide as the page.
        set_rgb(cr, page.accent);
        cairo_rectangle(cr, 0, 0, k_deck_width_pt, 18);
        cairo_fill(cr);

        draw_text(cr, fmt::format("Folie {} – {}", n, page.topic), "DejaVu Sans Bold 34", 40, 40, ink);
        double y = 170;
        for (std::string_view bullet : page.bullets) {
            draw_text(cr, fmt::format("• {}", bullet), "DejaVu Sans 18", 48, y, ink);
            y += 70;
        }
        draw_diagram(cr, page);
        draw_text(cr, fmt::format("{} / {}", n, pages), "DejaVu Sans 14", 880, 500, ink);

        cairo_show_page(cr);
        if (auto r = cairo_result(cairo_status(cr), path, n); !r) return r;
    }
    context.reset();
    cairo_surface_finish(surface.get());
    return cairo_result(cairo_surface_status(surface.get()), path, pages);
}

} // namespace tafel::samples
