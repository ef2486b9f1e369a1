#pragma once
// A CPU image in Cairo's CAIRO_FORMAT_ARGB32 layout (32-bit native-endian words, alpha in
// the top byte, premultiplied), owned as plain bytes so that no Cairo header appears here.
#include <cstdint>
#include <cstring>
#include <vector>

namespace tafel::transcode {

struct ArgbImage {
    int width = 0;
    int height = 0;
    int stride = 0; // bytes per row (Cairo may pad rows)
    std::vector<std::uint8_t> pixels;

    bool empty() const { return width <= 0 || height <= 0; }

    // The 0xAARRGGBB word at (x, y); the caller keeps x, y inside the image.
    std::uint32_t at(int x, int y) const {
        std::uint32_t word = 0;
        const auto* p = pixels.data() + static_cast<std::size_t>(y) * static_cast<std::size_t>(stride) +
                        static_cast<std::size_t>(x) * 4;
        std::memcpy(&word, p, sizeof(word));
        return word;
    }
};

} // namespace tafel::transcode
