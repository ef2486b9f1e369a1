#pragma once
// Drawing straight into an I420 frame, for the compositor's fast path: a camera or screen
// picture that fills its rectangle alone goes from its decoded I420 into the output I420 in
// one libswscale pass, instead of I420 → ARGB (scaled) → Cairo canvas → I420. The two
// conversions through RGB were most of the composing thread's time in a lesson with a
// webcam: every camera picture took them (docs/encoding.md, "Where the CPU goes").
#include "core/error.hpp"
#include "transcode/i420_frame.hpp"
#include "transcode/lesson_layout.hpp"

#include <cstdint>
#include <memory>

struct SwsContext;

namespace tafel::transcode {

// The BT.601 limited-range YUV of 0xRRGGBB (ITU-R BT.601-7 §2.5; what libswscale's default
// RGB → YUV conversion of the Cairo canvas yields, within one step of rounding).
struct YuvColour {
    std::uint8_t y, u, v;
};
YuvColour bt601_limited(std::uint32_t rgb);

// Fills `r` (even x, y, w, h) of `frame` with one colour.
void fill_i420(I420Frame& frame, const Rect& r, YuvColour colour);

// Runs `sws` (a context whose output is yuv420p of r.w x r.h) from the given source planes
// into rectangle `r` (even x, y, w, h) of `dst`, and nowhere else. libswscale writes each
// output row in whole vectors — up to 14 luma bytes past a width that is not a multiple of
// 16 (measured with FFmpeg 5.1) — which would repaint pixels right of `r` that the encoders
// are told did not change, and run past the end of the frame's last row: such a rectangle
// is converted into `scratch` (padded) and copied from there.
void sws_scale_into(SwsContext* sws, const std::uint8_t* const src_planes[4], const int src_strides[4], int src_height,
                    I420Frame& dst, const Rect& r, I420Frame& scratch);

// Scales an I420 picture into a rectangle of an I420 frame (bilinear), keeping one cached
// libswscale context per source and target geometry.
class I420Scaler {
public:
    I420Scaler();
    ~I420Scaler();
    I420Scaler(I420Scaler&&) noexcept;
    I420Scaler& operator=(I420Scaler&&) noexcept;

    // `r` must lie inside `dst` with even x, y, w and h (whole chroma samples).
    Result<void> scale(const I420Frame& src, I420Frame& dst, const Rect& r);

private:
    struct SwsDeleter {
        void operator()(SwsContext* c) const noexcept;
    };
    std::unique_ptr<SwsContext, SwsDeleter> sws_;
    I420Frame scratch_;
};

// True when `r` can be drawn by fill_i420 / I420Scaler into a frame of `width` x `height`.
bool i420_aligned(const Rect& r, int width, int height);

} // namespace tafel::transcode
