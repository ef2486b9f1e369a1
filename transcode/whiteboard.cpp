#include "transcode/whiteboard.hpp"

#include <algorithm>

namespace tafel::transcode {

bool parse_shape_kind(const std::string& name, ShapeKind& kind) {
    static constexpr std::pair<const char*, ShapeKind> k_names[] = {
        {"pencil", ShapeKind::pencil},     {"line", ShapeKind::line},         {"rectangle", ShapeKind::rectangle},
        {"ellipse", ShapeKind::ellipse},   {"triangle", ShapeKind::triangle}, {"text", ShapeKind::text},
        {"note", ShapeKind::note},
    };
    for (const auto& [n, k] : k_names) {
        if (name == n) {
            kind = k;
            return true;
        }
    }
    return false;
}

std::size_t WhiteboardPage::version_at(std::int64_t lesson_us) const {
    auto it = std::upper_bound(ops_.begin(), ops_.end(), lesson_us,
                               [](std::int64_t t, const DrawOp& op) { return t < op.lesson_us; });
    return static_cast<std::size_t>(it - ops_.begin());
}

std::vector<Shape> WhiteboardPage::shapes_at(std::int64_t lesson_us) const {
    std::vector<Shape> shapes;
    const std::size_t n = version_at(lesson_us);
    for (std::size_t i = 0; i < n; ++i) {
        const DrawOp& op = ops_[i];
        switch (op.op) {
        case DrawOp::Op::clear: shapes.clear(); break;
        case DrawOp::Op::remove:
            std::erase_if(shapes, [&](const Shape& s) { return s.id == op.shape.id; });
            break;
        case DrawOp::Op::add_or_update: {
            auto it = std::find_if(shapes.begin(), shapes.end(), [&](const Shape& s) { return s.id == op.shape.id; });
            if (it == shapes.end()) {
                shapes.push_back(op.shape);
            } else {
                *it = op.shape;
            }
            break;
        }
        }
    }
    return shapes;
}

} // namespace tafel::transcode
