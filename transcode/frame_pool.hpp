#pragma once
// The buffers the composed frames travel in to the encoders. A frame handed to the encoding
// threads is shared read-only (reference-counted AVFrame buffers); once every encoder has let
// go of it, its buffer comes back here and is reused. A reused buffer still holds the frame
// it last carried, a few frames old, and the composed frame differs from that one only where
// the frames in between changed: only those rectangles are copied (a webcam tile's 86 kB
// instead of the whole 1.4 MB 720p frame), and no buffer is allocated per frame.
#include "core/error.hpp"
#include "transcode/av_handles.hpp"
#include "transcode/lesson_layout.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <vector>

namespace tafel::transcode {

struct I420View { // borrowed planes of one frame, width x height
    const std::uint8_t* y;
    const std::uint8_t* u;
    const std::uint8_t* v;
    int stride_y, stride_u, stride_v;
};

class FramePool {
public:
    FramePool(int width, int height) : width_(width), height_(height) {}

    // A yuv420p frame equal to `view`, in a buffer no encoder holds any more. `changed_areas`:
    // the only places where `view` differs from the frame given to the previous next() (the
    // compositor's redrawn rectangles); nullopt when the caller cannot promise that. The frame
    // stays owned by the pool: share it with av_frame_clone; it is reused once no clone is left
    // and it is not the latest one.
    Result<AVFrame*> next(const I420View& view, std::optional<std::span<const Rect>> changed_areas);
    // The frame the previous next() returned (null before the first), for comparing with it.
    const AVFrame* previous() const {
        return latest_ < 0 ? nullptr : entries_[static_cast<std::size_t>(latest_)].frame.get();
    }

    struct Stats {
        std::int64_t allocated = 0;    // buffers ever allocated
        std::int64_t full_copies = 0;  // frames copied whole
        std::int64_t copied_bytes = 0; // bytes copied into buffers, over all frames
    };
    const Stats& stats() const { return stats_; }

private:
    struct Entry {
        FramePtr frame;
        std::int64_t sequence = -1; // which next() it carries
    };
    // What changed in the frame of one next() against the one before; nullopt = unknown.
    using Change = std::optional<std::vector<Rect>>;

    // The areas to copy to bring a buffer carrying `sequence` up to the current one, or
    // nullopt when that is not known (or would be most of the frame anyway).
    std::optional<std::vector<Rect>> catch_up(std::int64_t sequence) const;

    int width_, height_;
    std::vector<Entry> entries_;
    int latest_ = -1;
    std::int64_t sequence_ = -1;
    std::deque<Change> history_; // changes of the last frames, the newest last
    Stats stats_;
};

} // namespace tafel::transcode
