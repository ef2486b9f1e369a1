#pragma once
// VP8 → I420 through libavcodec's native "vp8" decoder. One whole encoded frame in (as the
// VP8 depacketizer of ingest/ delivers it), at most one picture out: VP8 has no frame
// reordering, and slice threading (not frame threading) keeps the decoder free of delay.
#include "core/error.hpp"
#include "transcode/i420_frame.hpp"

#include <cstdint>
#include <memory>
#include <span>

namespace tafel::transcode {

struct VideoDecoderStats {
    std::uint64_t frames_in = 0;
    std::uint64_t pictures_out = 0;
    std::uint64_t dropped_before_keyframe = 0; // inter frames with nothing to predict from
    std::uint64_t corrupt = 0;                 // frames the decoder rejected
};

class VideoDecoder {
public:
    // `threads`: slice threads for the decoder (0 or 1: decode on the calling thread).
    static Result<VideoDecoder> create(int threads = 1);

    VideoDecoder(VideoDecoder&&) noexcept;
    VideoDecoder& operator=(VideoDecoder&&) noexcept;
    ~VideoDecoder();

    // Decodes one frame into `out` (reallocated when the resolution changes). Returns true
    // when `out` holds a new picture; false when the frame was skipped (an inter frame
    // before the first keyframe, or a frame the decoder rejected: counted in stats(), the
    // next keyframe resynchronises). Errors only for failures that are not the input's.
    Result<bool> decode(std::span<const std::uint8_t> frame, I420Frame& out);

    const VideoDecoderStats& stats() const;

    struct Impl;

private:
    explicit VideoDecoder(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// RFC 6386 9.1: bit 0 of the VP8 frame tag is 0 for a key frame.
inline bool vp8_is_keyframe(std::span<const std::uint8_t> frame) {
    return !frame.empty() && (frame[0] & 0x01) == 0;
}

} // namespace tafel::transcode
