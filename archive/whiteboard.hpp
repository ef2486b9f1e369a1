#pragma once
// BBB whiteboard events → tafel draw events (docs/architecture.md, event table: draw_added /
// draw_updated / draw_removed / draw_cleared, points as fractions of the page).
//
// Two generations:
// - legacy (0.8 … 2.5) `AddShapeEvent`: `dataPoints` in percent of the page, DRAW_START /
//   DRAW_UPDATE / DRAW_END (or textCreated/textEdited/textPublished) repeating the whole shape;
//   `UndoShapeEvent`/`UndoAnnotationEvent` remove one, `ClearPageEvent`/`ClearWhiteboardEvent`
//   clear the page.
// - tldraw (2.6+) `AddTldrawShapeEvent`: `shapeData` is a PARTIAL shape in page pixels that
//   is deep-merged into what is known of the shape (objects merged member by member, anything
//   else replaced); `DeleteTldrawShapeEvent` removes one.
// Shapes of a type tafel does not draw are counted by name ("AddShapeEvent/<type>") and not drawn.
#include "archive/bbb_events.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace tafel::archive {

struct PageSize {
    double width = 1920; // tldraw page pixels
    double height = 1080;
};

struct WhiteboardPage {
    std::string deck; // tafel deck id ("" when the presentation is unknown)
    int page = 1;     // 1-based
};

class Whiteboard {
public:
    // `deck_of(presentation name)` → tafel deck id; `page_size(presentation, page)` → pixels.
    Whiteboard(std::function<std::string(const std::string&)> deck_of,
               std::function<PageSize(const std::string&, int)> page_size)
        : deck_of_(std::move(deck_of)), page_size_(std::move(page_size)) {}

    // Whether `e` is a whiteboard drawing event this class converts.
    static bool handles(const BbbEvent& e);

    // The tafel events (objects without `t_us`) that `e` produces; shapes that cannot be drawn
    // are counted in `unsupported` by name.
    std::vector<nlohmann::json> convert(const BbbEvent& e, std::map<std::string, int>& unsupported);

    // The merged tldraw shape of `id` so far (null if unknown); for tests.
    const nlohmann::json* tldraw_shape(const std::string& id) const;

private:
    WhiteboardPage page_of(const BbbEvent& e) const;
    std::vector<nlohmann::json> legacy_shape(const BbbEvent& e, std::map<std::string, int>& unsupported);
    std::vector<nlohmann::json> tldraw_shape_event(const BbbEvent& e, std::map<std::string, int>& unsupported);

    std::function<std::string(const std::string&)> deck_of_;
    std::function<PageSize(const std::string&, int)> page_size_;
    std::map<std::string, bool> drawn_;                 // shape id → a draw_added was emitted
    std::map<std::string, nlohmann::json> tldraw_;     // shape id → merged shape
};

// RFC 7396-like deep merge used by BBB's tldraw recording: objects merge member by member,
// everything else (arrays included) replaces. Exposed for tests.
void deep_merge(nlohmann::json& target, const nlohmann::json& patch);

} // namespace tafel::archive
