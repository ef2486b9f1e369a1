#include "archive/whiteboard.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>

namespace tafel::archive {

using json = nlohmann::json;

namespace {

std::vector<double> numbers(const std::string& csv) {
    std::vector<double> out;
    std::size_t pos = 0;
    while (pos <= csv.size()) {
        const auto comma = csv.find(',', pos);
        const std::string item = csv.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        if (!item.empty()) out.push_back(std::strtod(item.c_str(), nullptr));
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return out;
}

double clamp01(double v) { return std::clamp(v, 0.0, 1.0); }

// BBB legacy colours are 24-bit integers written in decimal.
std::string hex_colour(const std::string& decimal) {
    const long v = std::strtol(decimal.c_str(), nullptr, 10);
    return fmt::format("#{:06X}", static_cast<unsigned>(v) & 0xFFFFFFu);
}

// tldraw 1.x palette (tldraw/packages/tldraw/src/state/shapes/shared/shape-styles.ts).
std::string tldraw_colour(const std::string& name) {
    static const std::map<std::string, std::string> palette = {
        {"white", "#F0F1F3"},  {"lightGray", "#C6CBD1"}, {"gray", "#788492"},   {"black", "#1D1D1D"},
        {"green", "#36B24D"},  {"cyan", "#0E98AD"},      {"blue", "#1C7ED6"},   {"indigo", "#4263EB"},
        {"violet", "#7746F1"}, {"red", "#FF2133"},       {"orange", "#FF9433"}, {"yellow", "#FFC936"}};
    auto it = palette.find(name);
    return it == palette.end() ? "#1D1D1D" : it->second;
}

// tldraw 1.x stroke widths in page pixels by size name.
double tldraw_stroke_px(const std::string& size) {
    if (size == "small") return 2;
    if (size == "large") return 5;
    return 3.5;
}

double num(const json& j, double fallback = 0) { return j.is_number() ? j.get<double>() : fallback; }

} // namespace

void deep_merge(json& target, const json& patch) {
    if (!patch.is_object() || !target.is_object()) {
        target = patch;
        return;
    }
    for (auto it = patch.begin(); it != patch.end(); ++it) {
        if (it.value().is_object() && target.contains(it.key()) && target[it.key()].is_object()) {
            deep_merge(target[it.key()], it.value());
        } else {
            target[it.key()] = it.value();
        }
    }
}

bool Whiteboard::handles(const BbbEvent& e) {
    return e.name == "AddShapeEvent" || e.name == "ModifyTextEvent" || e.name == "UndoShapeEvent" ||
           e.name == "UndoAnnotationEvent" || e.name == "ClearPageEvent" || e.name == "ClearWhiteboardEvent" ||
           e.name == "AddTldrawShapeEvent" || e.name == "DeleteTldrawShapeEvent";
}

WhiteboardPage Whiteboard::page_of(const BbbEvent& e) const {
    // whiteboardId "<presentation>/<page, 1-based>"; pageNumber (0-based) in newer files.
    std::string presentation = e.get("presentation");
    int page = 1;
    const std::string& wb = e.get("whiteboardId");
    if (const auto slash = wb.rfind('/'); slash != std::string::npos) {
        if (presentation.empty()) presentation = wb.substr(0, slash);
        const std::string n = wb.substr(slash + 1);
        std::from_chars(n.data(), n.data() + n.size(), page);
    } else if (e.has("pageNumber")) {
        const std::string& n = e.get("pageNumber");
        std::from_chars(n.data(), n.data() + n.size(), page);
        ++page;
    }
    return {deck_of_(presentation), std::max(1, page)};
}

std::vector<json> Whiteboard::convert(const BbbEvent& e, std::map<std::string, int>& unsupported) {
    if (e.name == "AddShapeEvent" || e.name == "ModifyTextEvent") return legacy_shape(e, unsupported);
    if (e.name == "AddTldrawShapeEvent" || e.name == "DeleteTldrawShapeEvent") return tldraw_shape_event(e, unsupported);
    const WhiteboardPage p = page_of(e);
    if (e.name == "UndoShapeEvent" || e.name == "UndoAnnotationEvent") {
        const std::string id = e.has("shapeId") ? e.get("shapeId") : e.get("id");
        if (!drawn_.contains(id)) return {};
        drawn_.erase(id);
        return {json{{"type", "draw_removed"}, {"id", id}, {"deck", p.deck}, {"page", p.page}}};
    }
    // ClearPageEvent / ClearWhiteboardEvent
    return {json{{"type", "draw_cleared"}, {"deck", p.deck}, {"page", p.page}}};
}

std::vector<json> Whiteboard::legacy_shape(const BbbEvent& e, std::map<std::string, int>& unsupported) {
    const std::string type = e.has("type") ? e.get("type") : "text";
    const std::string id = e.has("shapeId") ? e.get("shapeId") : e.get("id");
    const WhiteboardPage p = page_of(e);
    const std::vector<double> pct = numbers(e.get("dataPoints"));
    json points = json::array();
    for (double v : pct) points.push_back(clamp01(v / 100.0));

    json shape{{"id", id}, {"deck", p.deck}, {"page", p.page}};
    if (type == "pencil" || type == "line" || type == "rectangle" || type == "ellipse" || type == "triangle") {
        if (points.size() < 2) return {};
        shape["shape"] = type;
        shape["points"] = points;
        shape["color"] = hex_colour(e.get("color", "0"));
        // `thickness` is a percent of the page width since 2.0 (pixels of a 0.8 canvas
        // before; treated the same: the difference is a hairline).
        shape["width"] = std::strtod(e.get("thickness", "1").c_str(), nullptr) / 100.0;
    } else if (type == "text") {
        // dataPoints: x, y; the box in textBoxWidth/textBoxHeight (percent).
        if (points.size() < 2) return {};
        const double w = std::strtod(e.get("textBoxWidth", "0").c_str(), nullptr) / 100.0;
        const double h = std::strtod(e.get("textBoxHeight", "0").c_str(), nullptr) / 100.0;
        const double x = points[0].get<double>(), y = points[1].get<double>();
        shape["shape"] = "text";
        shape["points"] = json::array({x, y, clamp01(x + w), clamp01(y + h)});
        shape["color"] = hex_colour(e.get("fontColor", e.get("color", "0")));
        shape["width"] = 0.0;
        shape["text"] = e.get("text");
    } else if (type == "poll_result") {
        // dataPoints: x, y, width, height; the result a JSON list of {key, num_votes}.
        if (points.size() < 4) return {};
        const double x = points[0].get<double>(), y = points[1].get<double>();
        std::string text;
        const json result = json::parse(e.get("result", "[]"), nullptr, false);
        if (result.is_array()) {
            for (const auto& r : result) {
                if (!r.is_object()) continue;
                text += fmt::format("{}: {}\n", r.value("key", std::string("?")), r.value("num_votes", 0));
            }
        }
        shape["shape"] = "note";
        shape["points"] = json::array({x, y, clamp01(x + points[2].get<double>()), clamp01(y + points[3].get<double>())});
        shape["color"] = "#FFFFFF";
        shape["width"] = 0.0;
        shape["text"] = text;
    } else {
        ++unsupported[fmt::format("{}/{}", e.name, type)];
        return {};
    }
    shape["type"] = drawn_.contains(id) ? "draw_updated" : "draw_added";
    drawn_[id] = true;
    return {shape};
}

std::vector<json> Whiteboard::tldraw_shape_event(const BbbEvent& e, std::map<std::string, int>& unsupported) {
    const std::string& id = e.get("shapeId");
    const WhiteboardPage p = page_of(e);
    if (e.name == "DeleteTldrawShapeEvent") {
        tldraw_.erase(id);
        if (!drawn_.contains(id)) return {};
        drawn_.erase(id);
        return {json{{"type", "draw_removed"}, {"id", id}, {"deck", p.deck}, {"page", p.page}}};
    }
    const json patch = json::parse(e.get("shapeData", "{}"), nullptr, false);
    if (!patch.is_object()) {
        ++unsupported[e.name + "/malformed shapeData"];
        return {};
    }
    json& s = tldraw_[id];
    if (s.is_null()) s = json::object();
    deep_merge(s, patch);

    std::string presentation = e.get("presentation");
    if (presentation.empty()) presentation = e.get("whiteboardId").substr(0, e.get("whiteboardId").rfind('/'));
    const PageSize size = page_size_(presentation, p.page);
    const auto fx = [&](double px) { return clamp01(px / size.width); };
    const auto fy = [&](double py) { return clamp01(py / size.height); };
    const json point = s.value("point", json::array({0, 0}));
    const double x0 = point.is_array() && point.size() >= 2 ? num(point[0]) : 0;
    const double y0 = point.is_array() && point.size() >= 2 ? num(point[1]) : 0;
    const json style = s.value("style", json::object());
    const double scale = num(style.value("scale", json(1.0)), 1.0);
    const std::string type = s.value("type", std::string());

    json out{{"id", id}, {"deck", p.deck}, {"page", p.page}};
    out["color"] = tldraw_colour(style.value("color", std::string("black")));
    out["width"] = tldraw_stroke_px(style.value("size", std::string("medium"))) * scale / size.width;
    const json box = s.value("size", json::array({0, 0}));
    const double w = box.is_array() && box.size() >= 2 ? num(box[0]) : 0;
    const double h = box.is_array() && box.size() >= 2 ? num(box[1]) : 0;
    const std::string label = s.value("label", std::string());

    if (type == "draw") {
        json pts = json::array();
        for (const auto& q : s.value("points", json::array())) {
            if (q.is_array() && q.size() >= 2) {
                pts.push_back(fx(x0 + num(q[0])));
                pts.push_back(fy(y0 + num(q[1])));
            }
        }
        if (pts.size() < 2) return {};
        out["shape"] = "pencil";
        out["points"] = pts;
    } else if ((type == "rectangle" || type == "ellipse" || type == "triangle") && label.empty()) {
        double bw = w, bh = h;
        if (type == "ellipse" && s.contains("radius") && s["radius"].is_array() && s["radius"].size() >= 2) {
            bw = 2 * num(s["radius"][0]);
            bh = 2 * num(s["radius"][1]);
        }
        out["shape"] = type;
        out["points"] = json::array({fx(x0), fy(y0), fx(x0 + bw), fy(y0 + bh)});
    } else if (type == "rectangle" || type == "sticky" || type == "text") {
        // A labelled rectangle (BBB draws poll results so), a sticky note, a text.
        const std::string text = type == "text" ? s.value("text", std::string()) : type == "sticky" ? s.value("text", std::string()) : label;
        out["shape"] = type == "text" ? "text" : "note";
        out["points"] = json::array({fx(x0), fy(y0), fx(x0 + w), fy(y0 + h)});
        out["text"] = text;
    } else if (type == "arrow") {
        const json handles = s.value("handles", json::object());
        const auto handle = [&](const char* name) -> std::pair<double, double> {
            const json hp = handles.contains(name) ? handles[name].value("point", json::array({0, 0})) : json::array({0, 0});
            return {x0 + (hp.size() >= 2 ? num(hp[0]) : 0), y0 + (hp.size() >= 2 ? num(hp[1]) : 0)};
        };
        const auto [sx, sy] = handle("start");
        const auto [ex, ey] = handle("end");
        out["shape"] = "line";
        out["points"] = json::array({fx(sx), fy(sy), fx(ex), fy(ey)});
    } else {
        ++unsupported[fmt::format("{}/{}", e.name, type.empty() ? "(no type)" : type)];
        return {};
    }
    out["type"] = drawn_.contains(id) ? "draw_updated" : "draw_added";
    drawn_[id] = true;
    return {out};
}

const json* Whiteboard::tldraw_shape(const std::string& id) const {
    auto it = tldraw_.find(id);
    return it == tldraw_.end() ? nullptr : &it->second;
}

} // namespace tafel::archive
