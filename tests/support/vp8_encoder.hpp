#pragma once
// A libvpx VP8 encoder set up as a browser's WebRTC sender runs it (CBR, no lag, realtime
// speed), with keyframes exactly where the caller asks for them, and a painter for its image.
#include <vpx/vpx_encoder.h>

#include <cstdint>
#include <vector>

namespace tafel::test {

// libvpx's encoder context is a by-value handle: destroyed only once initialised.
class Vp8Encoder {
public:
    Vp8Encoder(int width, int height, int fps, unsigned kbps); // throws std::runtime_error
    ~Vp8Encoder();
    Vp8Encoder(const Vp8Encoder&) = delete;
    Vp8Encoder& operator=(const Vp8Encoder&) = delete;

    // Encodes `image` as frame `pts` (in 1/fps); the compressed frame (empty when libvpx
    // dropped it).
    std::vector<std::uint8_t> encode(std::int64_t pts, bool keyframe);

    vpx_image_t image{}; // I420, what the next encode() encodes

private:
    vpx_codec_ctx_t ctx_{};
};

// Fills the rectangle (in luma pixels, clipped to the image) of one I420 plane with `value`.
void fill(vpx_image_t& image, int plane, int x, int y, int width, int height, std::uint8_t value);

} // namespace tafel::test
