#pragma once
// Composes one output frame of the lesson video from its parts — the slide image, the
// webcam picture scaled into its tile (aspect kept), the chat panel — on a Cairo ARGB32
// canvas, and converts it to I420 once (libswscale, BT.601 limited range). Nothing is
// redrawn unless a part changed since the last frame: between changes the previous I420
// frame is handed out again, so a 15 fps lesson of still slides costs almost nothing; and
// a change redraws and converts only its own area (a new webcam picture: the webcam tile).
#include "core/error.hpp"
#include "transcode/argb_image.hpp"
#include "transcode/i420_frame.hpp"
#include "transcode/lesson_layout.hpp"

#include <cstdint>
#include <memory>

namespace tafel::transcode {

// Colours (0xRRGGBB) of the canvas behind everything and of the webcam tile without video.
inline constexpr std::uint32_t k_background_rgb = 0x202124;
inline constexpr std::uint32_t k_webcam_placeholder_rgb = 0x3C4043;

class Compositor {
public:
    static Result<Compositor> create(const LessonLayout& layout);

    Compositor(Compositor&&) noexcept;
    Compositor& operator=(Compositor&&) noexcept;
    ~Compositor();

    // The slide image for layout().slide (rendered at that size; another size is scaled).
    // A null pointer shows no slide (the background). Same pointer again: no redraw.
    void set_slide(std::shared_ptr<const ArgbImage> slide);
    // A new webcam picture (copied; scaled into the webcam tile on the next frame()).
    void set_webcam(const I420Frame& picture);
    // No webcam (e.g. before the teacher's first frame): the placeholder tile.
    void clear_webcam();
    // The chat panel image for layout().chat.
    void set_chat(std::shared_ptr<const ArgbImage> panel);

    // The current composed frame, recomposed only when something changed. The reference
    // stays valid until the next non-const call.
    Result<const I420Frame*> frame();

    // The composed canvas as ARGB32 (after frame()); for tests and thumbnails.
    ArgbImage canvas() const;

    const LessonLayout& layout() const;
    std::uint64_t compositions() const; // how many times the frame was actually redrawn
    std::uint64_t partial_compositions() const; // areas redrawn alone (the rest of the frame kept)

    struct Impl;

private:
    explicit Compositor(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace tafel::transcode
