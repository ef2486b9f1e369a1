#include "transcode/frame_pool.hpp"

#include "transcode/av_error.hpp"

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/imgutils.h>
}

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace tafel::transcode {

namespace {

// How many frames of changes are remembered: a buffer older than that is copied whole.
// The encoders' queues hold 6 frames each (output_set.cpp), so a buffer normally comes back
// within about a dozen frames.
constexpr std::size_t k_history = 32;

// `r` clipped to the frame and widened to even coordinates (whole chroma samples).
Rect even_clip(const Rect& r, int width, int height) {
    const int x0 = std::max(0, r.x & ~1), y0 = std::max(0, r.y & ~1);
    const int x1 = std::min(width, (r.right() + 1) & ~1), y1 = std::min(height, (r.bottom() + 1) & ~1);
    return x1 > x0 && y1 > y0 ? Rect{x0, y0, x1 - x0, y1 - y0} : Rect{};
}

std::int64_t copy_rect(AVFrame& dst, const I420View& src, const Rect& r) {
    const std::uint8_t* planes[3] = {src.y, src.u, src.v};
    const int strides[3] = {src.stride_y, src.stride_u, src.stride_v};
    std::int64_t bytes = 0;
    for (int p = 0; p < 3; ++p) {
        const int shift = p == 0 ? 0 : 1;
        const int x = r.x >> shift, w = r.w >> shift;
        for (int row = r.y >> shift; row < r.bottom() >> shift; ++row) {
            std::memcpy(dst.data[p] + static_cast<std::ptrdiff_t>(row) * dst.linesize[p] + x,
                        planes[p] + static_cast<std::ptrdiff_t>(row) * strides[p] + x, static_cast<std::size_t>(w));
        }
        bytes += static_cast<std::int64_t>(w) * (r.h >> shift);
    }
    return bytes;
}

} // namespace

std::optional<std::vector<Rect>> FramePool::catch_up(std::int64_t sequence) const {
    if (sequence < 0) return std::nullopt;
    const std::int64_t behind = sequence_ - sequence; // frames since the buffer's
    if (behind > static_cast<std::int64_t>(history_.size())) return std::nullopt;
    std::vector<Rect> areas;
    std::int64_t pixels = 0;
    for (auto it = history_.end() - behind; it != history_.end(); ++it) {
        if (!*it) return std::nullopt;
        for (const Rect& r : **it) {
            const Rect e = even_clip(r, width_, height_);
            if (e.empty() || std::any_of(areas.begin(), areas.end(), [&](const Rect& a) { return a.contains(e); })) {
                continue;
            }
            std::erase_if(areas, [&](const Rect& a) { return e.contains(a); });
            areas.push_back(e);
            pixels += static_cast<std::int64_t>(e.w) * e.h;
        }
    }
    // Past half the frame one straight copy is cheaper than many rows of rectangles.
    if (pixels * 2 > static_cast<std::int64_t>(width_) * height_) return std::nullopt;
    return areas;
}

Result<AVFrame*> FramePool::next(const I420View& view, std::optional<std::span<const Rect>> changed_areas) {
    ++sequence_;
    history_.push_back(changed_areas ? Change(std::in_place, changed_areas->begin(), changed_areas->end()) : Change());
    if (history_.size() > k_history) history_.pop_front();

    // A free buffer (no clone left, not the latest, which the next frame is compared with),
    // the most recent one first: it needs the least copying.
    int chosen = -1;
    for (int i = 0; i < static_cast<int>(entries_.size()); ++i) {
        const Entry& e = entries_[static_cast<std::size_t>(i)];
        if (i == latest_ || av_frame_is_writable(e.frame.get()) == 0) continue;
        if (chosen < 0 || e.sequence > entries_[static_cast<std::size_t>(chosen)].sequence) chosen = i;
    }
    if (chosen < 0) {
        auto frame = make_frame();
        if (!frame) return std::unexpected(frame.error());
        AVFrame& f = **frame;
        f.format = AV_PIX_FMT_YUV420P;
        f.width = width_;
        f.height = height_;
        if (const int ret = av_frame_get_buffer(&f, 0); ret < 0) {
            return av_fail(ret, fmt::format("{}x{} video frame buffer", width_, height_));
        }
        entries_.push_back(Entry{std::move(*frame), -1});
        chosen = static_cast<int>(entries_.size()) - 1;
        ++stats_.allocated;
    }
    Entry& entry = entries_[static_cast<std::size_t>(chosen)];
    AVFrame& f = *entry.frame;
    if (auto areas = catch_up(entry.sequence)) {
        for (const Rect& r : *areas) stats_.copied_bytes += copy_rect(f, view, r);
    } else {
        const std::uint8_t* src[4] = {view.y, view.u, view.v, nullptr};
        const int src_stride[4] = {view.stride_y, view.stride_u, view.stride_v, 0};
        av_image_copy(f.data, f.linesize, src, src_stride, AV_PIX_FMT_YUV420P, f.width, f.height);
        stats_.copied_bytes += static_cast<std::int64_t>(f.width) * f.height * 3 / 2;
        ++stats_.full_copies;
    }
    entry.sequence = sequence_;
    latest_ = chosen;
    return &f;
}

} // namespace tafel::transcode
