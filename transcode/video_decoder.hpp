#pragma once
// VP8, VP9 and H.264 → I420 through libavcodec's native decoders ("vp8", "vp9", "h264").
// One whole encoded frame in (as ingest/'s depacketizers deliver it: VP8/VP9 frames, H.264
// access units in Annex B), pictures out. VP8 and VP9 have no frame reordering, and slice
// threading (not frame threading) keeps the decoder free of delay; H.264 with B-frames holds
// pictures back until their successors arrive (picture_pts() names the one returned, flush()
// drains the rest). A resolution change (a VP8/H.264 keyframe with a new size or SPS, VP9's
// reference scaling) reallocates the output picture.
#include "core/error.hpp"
#include "transcode/i420_frame.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace tafel::transcode {

struct VideoDecoderStats {
    std::uint64_t frames_in = 0;
    std::uint64_t pictures_out = 0;
    std::uint64_t dropped_before_keyframe = 0; // inter frames with nothing to predict from
    std::uint64_t corrupt = 0;                 // frames the decoder rejected
    std::uint64_t size_changes = 0;            // pictures whose size differed from the one before
};

enum class VideoCodec { vp8, vp9, h264 };

// "VP8", "VP9", "H264" (recording.json's codec names, any case; "H.264" too).
Result<VideoCodec> video_codec_from_name(std::string_view name);

class VideoDecoder {
public:
    // `threads`: slice threads for the decoder (0 or 1: decode on the calling thread).
    static Result<VideoDecoder> create(int threads = 1, VideoCodec codec = VideoCodec::vp8);

    VideoDecoder(VideoDecoder&&) noexcept;
    VideoDecoder& operator=(VideoDecoder&&) noexcept;
    ~VideoDecoder();

    // Decodes one frame into `out` (reallocated when the resolution changes). Returns true
    // when `out` holds a new picture; false when the frame was skipped (an inter frame
    // before the first keyframe, or a frame the decoder rejected: counted in stats(), the
    // next keyframe resynchronises). Errors only for failures that are not the input's.
    // `pts` travels with the frame (e.g. its RTP timestamp) and comes back as picture_pts().
    Result<bool> decode(std::span<const std::uint8_t> frame, I420Frame& out, std::int64_t pts = 0);
    // Pictures still held by the decoder at the end of a stream (H.264 reordering), one per
    // call; false when none is left. The decoder is reset for a new stream afterwards.
    Result<bool> flush(I420Frame& out);
    // The pts passed with the frame whose picture `out` holds now.
    std::int64_t picture_pts() const;
    VideoCodec codec() const;

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

// VP9 bitstream spec 6.2 (uncompressed_header): frame_marker, profile, show_existing_frame,
// frame_type 0 = KEY_FRAME. A superframe starts with its first frame, so the first byte decides.
bool vp9_is_keyframe(std::span<const std::uint8_t> frame);

// H.264 (ITU-T H.264 7.4.1.2): an Annex B access unit holding an IDR slice (NAL type 5).
bool h264_is_keyframe(std::span<const std::uint8_t> access_unit);

bool is_keyframe(VideoCodec codec, std::span<const std::uint8_t> frame);

} // namespace tafel::transcode
