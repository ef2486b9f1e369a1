#pragma once
// The whiteboard of one slide page over time: the draw_added / draw_updated / draw_removed
// / draw_cleared events of that page (docs/architecture.md, "Contract: the raw recording"),
// replayed up to a lesson time into the shapes visible then. Coordinates stay fractions
// of the page (0..1) so that the painter can map them through any pan/zoom and size.
#include <cstdint>
#include <string>
#include <vector>

namespace tafel::transcode {

enum class ShapeKind { pencil, line, rectangle, ellipse, triangle, text, note };

struct Shape {
    std::string id;
    ShapeKind kind = ShapeKind::pencil;
    std::vector<double> points;   // x0, y0, x1, y1, … (fractions of the page)
    std::uint32_t rgb = 0x000000; // 0xRRGGBB
    double width = 0.004;         // stroke width, fraction of the page width
    std::string text;             // text, note
    friend bool operator==(const Shape&, const Shape&) = default;
};

// The presenter's pointer (event `cursor`).
struct CursorState {
    bool visible = false;
    double x = 0, y = 0; // fractions of the page
    friend bool operator==(const CursorState&, const CursorState&) = default;
};

// One whiteboard event of a page. `op` decides which fields matter.
struct DrawOp {
    enum class Op { add_or_update, remove, clear };
    std::int64_t lesson_us = 0;
    Op op = Op::add_or_update;
    Shape shape; // add_or_update: the whole shape; remove: shape.id
};

// "pencil", "line", … → ShapeKind; false for an unknown name.
bool parse_shape_kind(const std::string& name, ShapeKind& kind);

class WhiteboardPage {
public:
    // Ops must come in time order (the timeline sorts them, stably).
    void add(DrawOp op) { ops_.push_back(std::move(op)); }

    // How many ops happened at or before `lesson_us`: the page's picture changes exactly
    // when this number does, so the renderer compares it instead of the shapes.
    std::size_t version_at(std::int64_t lesson_us) const;
    // The shapes visible at `lesson_us`, in drawing order (an update keeps the shape's place).
    std::vector<Shape> shapes_at(std::int64_t lesson_us) const;

    const std::vector<DrawOp>& ops() const { return ops_; }
    std::vector<DrawOp>& mutable_ops() { return ops_; }

private:
    std::vector<DrawOp> ops_;
};

} // namespace tafel::transcode
