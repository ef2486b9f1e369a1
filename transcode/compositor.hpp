#pragma once
// Composes one output frame of the lesson video from its parts — the slide image with the
// whiteboard and cursor over it (or the screen share in its place), the poll card, up to
// four webcam tiles (a picture scaled into the tile, aspect kept, or the participant's
// initials on a coloured tile when the camera is off), the chat panel — on a Cairo ARGB32
// canvas, and converts it to I420 once (libswscale, BT.601 limited range). Nothing is
// redrawn unless a part changed since the last frame: between changes the previous I420
// frame is handed out again, so a 15 fps lesson of still slides costs almost nothing; and
// a change redraws and converts only its own area (a new webcam picture: its tile; a
// cursor move: the cursor's old and new spot). A camera or screen-share picture that fills
// its area alone skips Cairo: it is scaled from its I420 straight into the output I420
// (i420_blit.hpp), the common case of a new webcam picture in every frame.
#include "core/error.hpp"
#include "transcode/argb_image.hpp"
#include "transcode/i420_frame.hpp"
#include "transcode/lesson_layout.hpp"
#include "transcode/overlay_painter.hpp"
#include "transcode/whiteboard.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tafel::transcode {

// Colours (0xRRGGBB) of the canvas behind everything and of the webcam area without tiles.
inline constexpr std::uint32_t k_background_rgb = 0x202124;
inline constexpr std::uint32_t k_webcam_placeholder_rgb = 0x3C4043;

// One webcam tile: who (key = participant id), the name for the initials, their colour.
struct TileSpec {
    std::string key;
    std::string name;
    std::uint32_t rgb = 0;
    friend bool operator==(const TileSpec&, const TileSpec&) = default;
};

class Compositor {
public:
    static Result<Compositor> create(const LessonLayout& layout);

    Compositor(Compositor&&) noexcept;
    Compositor& operator=(Compositor&&) noexcept;
    ~Compositor();

    // The slide image for layout().slide (rendered at that size; another size is scaled).
    // A null pointer shows no slide (the background). Same pointer again: no redraw.
    void set_slide(std::shared_ptr<const ArgbImage> slide);
    // Where the page lies in the slide area, for the whiteboard and the cursor.
    void set_page_mapping(const PageMapping& mapping);
    // The whiteboard shapes of the shown page (page fractions), in drawing order.
    void set_shapes(std::vector<Shape> shapes);
    void set_cursor(const CursorState& cursor);
    // A screen-share picture, shown instead of the slide, whiteboard and cursor. Held by
    // reference until the next one: the caller must not change it (decode into another buffer).
    void set_screen(std::shared_ptr<const I420Frame> picture);
    void set_screen(const I420Frame& picture) { set_screen(std::make_shared<const I420Frame>(picture)); }
    void clear_screen();
    // The tiles in order (the current speaker first); at most layout().max_tiles() are shown.
    void set_tiles(std::vector<TileSpec> tiles);
    // A new camera picture for tile `key` (held like set_screen's; ignored when no tile has that key).
    void set_tile_picture(const std::string& key, std::shared_ptr<const I420Frame> picture);
    void set_tile_picture(const std::string& key, const I420Frame& picture) {
        set_tile_picture(key, std::make_shared<const I420Frame>(picture));
    }
    // The camera of `key` is off: its initials are shown.
    void clear_tile_picture(const std::string& key);
    // The poll results card (drawn at the bottom left of the slide area), or null for none.
    void set_poll(std::shared_ptr<const ArgbImage> card);
    // The chat panel image for layout().chat.
    void set_chat(std::shared_ptr<const ArgbImage> panel);

    // The current composed frame, recomposed only when something changed. The reference
    // stays valid until the next non-const call.
    Result<const I420Frame*> frame();

    // The Cairo canvas as ARGB32 as it is (after frame()): camera and screen pictures drawn
    // by the fast path are not on it until picture() repaints them. For tests.
    const ArgbImage& canvas() const;
    // The composed picture as ARGB32, the canvas brought up to date with the output frame
    // (what the fast path drew straight into I420 repainted through Cairo): for thumbnails
    // and the poster. The pointer stays valid until the next non-const call.
    Result<const ArgbImage*> picture();

    const LessonLayout& layout() const;
    std::uint64_t compositions() const;         // how many times the frame was actually redrawn
    // The rectangles the last frame() redrew (empty: the frame is the previous one): outside
    // them the frame equals the one before, which spares the encoders' change map a
    // full-frame comparison (OutputSet::write_video).
    const std::vector<Rect>& changed() const;
    std::uint64_t partial_compositions() const; // areas redrawn alone (the rest of the frame kept)
    std::int64_t converted_pixels() const;      // pixels converted to I420 so far

    struct Impl;

private:
    explicit Compositor(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace tafel::transcode
