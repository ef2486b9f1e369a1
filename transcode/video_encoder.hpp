#pragma once
// One video encoder for composed yuv420p frames: VP9 or VP8 through libvpx, H.264 through
// libx264, both driven through their own APIs (not libavcodec's wrappers) so that the
// renderer can tell them which 16x16 blocks did not change since the previous frame —
// libvpx's active map and x264's mb_info (X264_MBINFO_CONSTANT) then skip those blocks,
// and a still slide costs almost nothing to encode.
// Frames go in with pts in frame units (time_base() = 1 / frame_rate); packets come out to a
// sink in the same timebase. Move-only; fed by one thread.
#include "core/error.hpp"
#include "core/rational.hpp"
#include "transcode/av_handles.hpp"
#include "transcode/video_decoder.hpp"   // VideoCodec: one enum for decoders and encoders

#include <cstdint>
#include <functional>
#include <memory>
#include <span>

struct AVCodecParameters;
struct AVFrame;
struct AVPacket;

namespace tafel::transcode {

// Receives each encoded packet (timestamps in the encoder's time_base()); it may take over
// the packet's payload (av_packet_move_ref / av_interleaved_write_frame).
using PacketSink = std::function<Result<void>(AVPacket& packet)>;

struct VideoEncoderOptions {
    VideoCodec codec = VideoCodec::vp9;
    int width = 1280, height = 720;
    Rational frame_rate{15, 1};
    int threads = 1;                   // explicit: never a library's automatic choice
    int keyframe_interval_frames = 60; // at least one keyframe every N frame durations (pts)
    bool global_header = false;        // the container wants codec headers in extradata
};

// Blocks of 16x16 luma pixels (a macroblock in VP8/H.264; VP9's active map uses the same
// unit), row-major: one byte per block, nonzero = changed since the previous frame given
// to the encoder.
struct BlockGrid {
    int cols = 0, rows = 0;
    static BlockGrid for_size(int width, int height) { return {(width + 15) / 16, (height + 15) / 16}; }
    std::size_t size() const { return static_cast<std::size_t>(cols) * static_cast<std::size_t>(rows); }
};

class VideoEncoder {
public:
    static Result<VideoEncoder> create(const VideoEncoderOptions& options);
    ~VideoEncoder();
    VideoEncoder(VideoEncoder&&) noexcept;
    VideoEncoder& operator=(VideoEncoder&&) noexcept;

    // Encodes `frame` (yuv420p, width x height, pts in frames, increasing; gaps hold the
    // previous picture; pict_type I forces a keyframe) and hands every packet that became
    // ready to `sink`. `changed` (BlockGrid::for_size, or empty = all changed) marks the
    // blocks that differ from the previous frame; the others may be coded as skipped.
    // nullptr flushes.
    Result<void> encode(const AVFrame* frame, std::span<const std::uint8_t> changed, const PacketSink& sink);
    Result<void> encode(const AVFrame* frame, const PacketSink& sink) { return encode(frame, {}, sink); }

    const AVCodecParameters& parameters() const { return *parameters_; }
    Rational time_base() const { return time_base_; }
    const char* codec_name() const;

    // One codec library behind the common interface (vpx_video_encoder.cpp,
    // x264_video_encoder.cpp).
    class Backend {
    public:
        virtual ~Backend() = default;
        // frame == nullptr flushes; `changed` is empty when keyframe is set.
        virtual Result<void> encode(const AVFrame* frame, std::span<const std::uint8_t> changed, bool keyframe,
                                    const PacketSink& sink) = 0;
        virtual const char* name() const = 0;
    };

private:
    VideoEncoder(std::unique_ptr<Backend> backend, CodecParametersPtr parameters, Rational time_base,
                 std::int64_t keyframe_interval, BlockGrid grid);

    std::unique_ptr<Backend> backend_;
    CodecParametersPtr parameters_;
    Rational time_base_;
    std::int64_t keyframe_interval_;
    BlockGrid grid_;
    std::int64_t last_keyframe_pts_ = 0;
    bool started_ = false;
};

// The backends (created by VideoEncoder::create; `parameters` receives codec id, size and,
// with global_header, the codec headers as extradata).
Result<std::unique_ptr<VideoEncoder::Backend>> make_vpx_backend(const VideoEncoderOptions& options,
                                                                AVCodecParameters& parameters);
Result<std::unique_ptr<VideoEncoder::Backend>> make_x264_backend(const VideoEncoderOptions& options,
                                                                 AVCodecParameters& parameters);

// Packs one encoded frame into `packet` (payload copied) for a PacketSink.
Result<void> emit_packet(AVPacket& packet, std::span<const std::uint8_t> payload, std::int64_t pts,
                         std::int64_t dts, std::int64_t duration, bool key, const PacketSink& sink);

} // namespace tafel::transcode
