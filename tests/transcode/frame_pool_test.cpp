#include "transcode/frame_pool.hpp"

extern "C" {
#include <libavutil/frame.h>
}

#include <catch2/catch.hpp>

#include <cstring>
#include <deque>
#include <vector>

namespace {

using tafel::transcode::FramePool;
using tafel::transcode::FramePtr;
using tafel::transcode::I420View;
using tafel::transcode::Rect;

constexpr int k_w = 320, k_h = 240;

// A composed picture: a background that never changes and a 64x48 "webcam" box whose
// content changes every frame, at a place that moves now and then.
struct Picture {
    std::vector<std::uint8_t> y = std::vector<std::uint8_t>(k_w * k_h), u = std::vector<std::uint8_t>(k_w * k_h / 4),
                              v = std::vector<std::uint8_t>(k_w * k_h / 4);
    Picture() {
        for (int i = 0; i < k_w * k_h; ++i) y[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i * 7);
        for (int i = 0; i < k_w * k_h / 4; ++i) {
            u[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i * 3);
            v[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i * 5);
        }
    }
    // Draws frame `n`'s box and returns what it redrew (even coordinates, like the compositor).
    Rect draw(int n) {
        const Rect r{16 + (n / 10) * 32 % 224, 40 + (n / 7) * 2 % 150, 64, 48};
        for (int row = r.y; row < r.bottom(); ++row) {
            std::memset(y.data() + row * k_w + r.x, (n * 13 + row) & 0xff, static_cast<std::size_t>(r.w));
        }
        for (int row = r.y / 2; row < r.bottom() / 2; ++row) {
            std::memset(u.data() + row * k_w / 2 + r.x / 2, (n * 29) & 0xff, static_cast<std::size_t>(r.w / 2));
            std::memset(v.data() + row * k_w / 2 + r.x / 2, (n * 31 + row) & 0xff, static_cast<std::size_t>(r.w / 2));
        }
        return r;
    }
    I420View view() const { return I420View{y.data(), u.data(), v.data(), k_w, k_w / 2, k_w / 2}; }
};

bool equal(const AVFrame& f, const Picture& p) {
    const std::uint8_t* planes[3] = {p.y.data(), p.u.data(), p.v.data()};
    for (int plane = 0; plane < 3; ++plane) {
        const int w = plane == 0 ? k_w : k_w / 2, h = plane == 0 ? k_h : k_h / 2;
        for (int row = 0; row < h; ++row) {
            if (std::memcmp(f.data[plane] + row * f.linesize[plane], planes[plane] + row * w,
                            static_cast<std::size_t>(w)) != 0) {
                return false;
            }
        }
    }
    return true;
}

} // namespace

TEST_CASE("FramePool hands out buffers equal to the composed frame while encoders hold older ones", "[unit]") {
    FramePool pool(k_w, k_h);
    Picture picture;
    // Clones held like the encoders' queues hold them: released after a varying delay,
    // so that buffers come back 2 to 9 frames old and now and then none is free.
    std::deque<std::pair<int, FramePtr>> held;
    int previous_box_moves = 0;
    Rect previous_box{};
    for (int n = 0; n < 300; ++n) {
        const Rect box = picture.draw(n);
        // The compositor names both the box's old place (repainted) and its new one.
        std::vector<Rect> changed{box};
        if (n > 0 && previous_box != box) {
            changed.push_back(previous_box);
            ++previous_box_moves;
        }
        previous_box = box;
        auto frame = pool.next(picture.view(), n == 0 ? std::nullopt : std::optional(std::span<const Rect>(changed)));
        REQUIRE(frame.has_value());
        INFO("frame " << n);
        REQUIRE(equal(**frame, picture));
        if (n > 0) REQUIRE(pool.previous() == *frame);
        held.emplace_back(n + 2 + (n * 7) % 8, FramePtr(av_frame_clone(*frame)));
        held.emplace_back(n + 1 + (n * 3) % 5, FramePtr(av_frame_clone(*frame)));
        std::erase_if(held, [&](const auto& h) { return h.first <= n; });
    }
    CHECK(previous_box_moves > 20);
    const auto& stats = pool.stats();
    // Buffers are reused (at most as many as frames held at once, plus the latest) and
    // brought up to date by copying the changed rectangles, not whole frames.
    CHECK(stats.allocated <= 12);
    CHECK(stats.full_copies == stats.allocated);
    CHECK(stats.copied_bytes < 300 * std::int64_t{k_w} * k_h * 3 / 2 / 4);
}

TEST_CASE("FramePool copies a whole frame when the caller does not say what changed", "[unit]") {
    FramePool pool(k_w, k_h);
    Picture picture;
    for (int n = 0; n < 5; ++n) {
        picture.draw(n);
        auto frame = pool.next(picture.view(), std::nullopt);
        REQUIRE(frame.has_value());
        REQUIRE(equal(**frame, picture));
    }
    CHECK(pool.stats().allocated == 2); // the latest and one free buffer, alternating
    CHECK(pool.stats().full_copies == 5);
}
