#include "transcode/i420_blit.hpp"

#include <fmt/format.h>

extern "C" {
#include <libavutil/pixfmt.h>
#include <libswscale/swscale.h>
}

#include <cstring>

namespace tafel::transcode {

YuvColour bt601_limited(std::uint32_t rgb) {
    const int r = static_cast<int>((rgb >> 16) & 0xff), g = static_cast<int>((rgb >> 8) & 0xff),
              b = static_cast<int>(rgb & 0xff);
    // The 8-bit integer form of BT.601's limited-range matrix (Y 16..235, Cb/Cr 16..240).
    const auto clamp = [](int v) { return static_cast<std::uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v); };
    return YuvColour{clamp(16 + ((66 * r + 129 * g + 25 * b + 128) >> 8)),
                     clamp(128 + ((-38 * r - 74 * g + 112 * b + 128) >> 8)),
                     clamp(128 + ((112 * r - 94 * g - 18 * b + 128) >> 8))};
}

bool i420_aligned(const Rect& r, int width, int height) {
    return !r.empty() && r.x >= 0 && r.y >= 0 && r.right() <= width && r.bottom() <= height && r.x % 2 == 0 &&
           r.y % 2 == 0 && r.w % 2 == 0 && r.h % 2 == 0;
}

void fill_i420(I420Frame& frame, const Rect& r, YuvColour colour) {
    const auto w = static_cast<std::size_t>(r.w);
    for (int row = r.y; row < r.bottom(); ++row) {
        std::memset(frame.y.data() + static_cast<std::ptrdiff_t>(row) * frame.stride_y + r.x, colour.y, w);
    }
    for (int row = r.y / 2; row < r.bottom() / 2; ++row) {
        const std::ptrdiff_t at = static_cast<std::ptrdiff_t>(row) * frame.stride_uv + r.x / 2;
        std::memset(frame.u.data() + at, colour.u, w / 2);
        std::memset(frame.v.data() + at, colour.v, w / 2);
    }
}

void I420Scaler::SwsDeleter::operator()(SwsContext* c) const noexcept { sws_freeContext(c); }

I420Scaler::I420Scaler() = default;
I420Scaler::~I420Scaler() = default;
I420Scaler::I420Scaler(I420Scaler&&) noexcept = default;
I420Scaler& I420Scaler::operator=(I420Scaler&&) noexcept = default;

Result<void> I420Scaler::scale(const I420Frame& src, I420Frame& dst, const Rect& r) {
    if (src.empty() || !i420_aligned(r, dst.width, dst.height)) {
        return fail(Errc::invalid_argument,
                    fmt::format("I420 scale of a {}x{} picture into {}x{}+{}+{} of {}x{}", src.width, src.height, r.w,
                                r.h, r.x, r.y, dst.width, dst.height));
    }
    // Cached: a new context only when the picture's or the target's geometry changes.
    sws_.reset(sws_getCachedContext(sws_.release(), src.width, src.height, AV_PIX_FMT_YUV420P, r.w, r.h,
                                    AV_PIX_FMT_YUV420P, SWS_BILINEAR, nullptr, nullptr, nullptr));
    if (!sws_) {
        return fail(Errc::codec,
                    fmt::format("swscale: cannot scale a {}x{} picture to {}x{}", src.width, src.height, r.w, r.h));
    }
    const std::uint8_t* src_planes[4] = {src.y.data(), src.u.data(), src.v.data(), nullptr};
    const int src_strides[4] = {src.stride_y, src.stride_uv, src.stride_uv, 0};
    sws_scale_into(sws_.get(), src_planes, src_strides, src.height, dst, r, scratch_);
    return {};
}

void sws_scale_into(SwsContext* sws, const std::uint8_t* const src_planes[4], const int src_strides[4], int src_height,
                    I420Frame& dst, const Rect& r, I420Frame& scratch) {
    const auto at = [](std::uint8_t* plane, int stride, int x, int y) {
        return plane + static_cast<std::ptrdiff_t>(y) * stride + x;
    };
    if (r.w % 16 == 0) { // whole vectors: libswscale writes exactly the rectangle
        std::uint8_t* dst_planes[4] = {at(dst.y.data(), dst.stride_y, r.x, r.y),
                                       at(dst.u.data(), dst.stride_uv, r.x / 2, r.y / 2),
                                       at(dst.v.data(), dst.stride_uv, r.x / 2, r.y / 2), nullptr};
        const int dst_strides[4] = {dst.stride_y, dst.stride_uv, dst.stride_uv, 0};
        sws_scale(sws, src_planes, src_strides, 0, src_height, dst_planes, dst_strides);
        return;
    }
    const int padded = (r.w + 15) / 16 * 16;
    if (scratch.width != padded || scratch.height < r.h) scratch = I420Frame::allocate(padded, r.h);
    std::uint8_t* tmp_planes[4] = {scratch.y.data(), scratch.u.data(), scratch.v.data(), nullptr};
    const int tmp_strides[4] = {scratch.stride_y, scratch.stride_uv, scratch.stride_uv, 0};
    sws_scale(sws, src_planes, src_strides, 0, src_height, tmp_planes, tmp_strides);
    for (int row = 0; row < r.h; ++row) {
        std::memcpy(at(dst.y.data(), dst.stride_y, r.x, r.y + row), at(scratch.y.data(), scratch.stride_y, 0, row),
                    static_cast<std::size_t>(r.w));
    }
    for (int row = 0; row < r.h / 2; ++row) {
        const auto n = static_cast<std::size_t>(r.w / 2);
        std::memcpy(at(dst.u.data(), dst.stride_uv, r.x / 2, r.y / 2 + row),
                    at(scratch.u.data(), scratch.stride_uv, 0, row), n);
        std::memcpy(at(dst.v.data(), dst.stride_uv, r.x / 2, r.y / 2 + row),
                    at(scratch.v.data(), scratch.stride_uv, 0, row), n);
    }
}

} // namespace tafel::transcode
