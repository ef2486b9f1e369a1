#pragma once
// A decoded or composed picture in planar YUV 4:2:0 (I420), owning its planes.
#include <cstdint>
#include <vector>

namespace tafel::transcode {

struct I420Frame {
    int width = 0;
    int height = 0;
    int stride_y = 0;
    int stride_uv = 0;
    std::vector<std::uint8_t> y;
    std::vector<std::uint8_t> u;
    std::vector<std::uint8_t> v;

    bool empty() const { return width <= 0 || height <= 0; }
    int chroma_width() const { return (width + 1) / 2; }
    int chroma_height() const { return (height + 1) / 2; }

    // Allocates tightly packed planes of the given size (contents zero).
    static I420Frame allocate(int width, int height) {
        I420Frame f;
        f.width = width;
        f.height = height;
        f.stride_y = width;
        f.stride_uv = (width + 1) / 2;
        f.y.assign(static_cast<std::size_t>(f.stride_y) * static_cast<std::size_t>(height), 0);
        const auto chroma = static_cast<std::size_t>(f.stride_uv) * static_cast<std::size_t>((height + 1) / 2);
        f.u.assign(chroma, 0);
        f.v.assign(chroma, 0);
        return f;
    }
};

} // namespace tafel::transcode
