#pragma once
// Cairo drawing of what lies over the slide and in the webcam column: whiteboard shapes,
// the cursor, and the initials tile of a participant whose camera is off. Shapes and
// cursor come in page fractions and are mapped through PageMapping, so pan/zoom and any
// output size move them with the page.
#include "transcode/lesson_layout.hpp"
#include "transcode/slide_renderer.hpp"
#include "transcode/whiteboard.hpp"

#include <cstdint>
#include <span>
#include <string>

struct _cairo; // cairo_t, without including cairo.h here

namespace tafel::transcode {

// Page fractions → output pixels: `content` is where the visible part `view` of the page lies.
struct PageMapping {
    Rect content;
    SlideView view;
    double x(double fx) const { return content.x + (fx - view.x) / view.w * content.w; }
    double y(double fy) const { return content.y + (fy - view.y) / view.h * content.h; }
    double scale() const { return content.w / view.w; } // pixels per page width
    friend bool operator==(const PageMapping&, const PageMapping&) = default;
};

// Colour of the cursor dot (0xRRGGBB) and its radius in px.
inline constexpr std::uint32_t k_cursor_rgb = 0xE53935;
inline constexpr int k_cursor_radius = 7;

// Shapes in order, clipped to map.content.
void paint_shapes(_cairo* cr, const PageMapping& map, std::span<const Shape> shapes);
void paint_cursor(_cairo* cr, const PageMapping& map, const CursorState& cursor);
// The pixels the cursor covers (empty when hidden or off the content): what to redraw when it moves.
Rect cursor_bounds(const PageMapping& map, const CursorState& cursor);
// The pixels paint_shapes can touch for `shape` (clipped to the content): what to redraw when
// it is added, updated or removed. Text and sticky notes get the whole content (Pango decides
// how far their text runs).
Rect shape_bounds(const PageMapping& map, const Shape& shape);

// "Frau Müller" → "FM", "jonas" → "J" (first letters of the first and last word, uppercased).
std::string initials_of(const std::string& name);
// A stable colour per participant id, dark enough for white letters.
std::uint32_t tile_colour(const std::string& participant_id);
void paint_initials(_cairo* cr, const Rect& tile, const std::string& name, std::uint32_t rgb);

} // namespace tafel::transcode
