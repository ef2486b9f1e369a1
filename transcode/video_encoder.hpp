#pragma once
// One video encoder (VP8 via libvpx or H.264 via libx264) for composed yuv420p frames.
// Frames go in with pts in frame units (time_base() = 1 / frame_rate); packets come out to a
// sink in the same timebase. Move-only; fed by one thread.
#include "core/error.hpp"
#include "core/rational.hpp"
#include "transcode/av_handles.hpp"

#include <functional>

struct AVCodecParameters;
struct AVFrame;
struct AVPacket;

namespace tafel::transcode {

// Receives each encoded packet (timestamps in the encoder's time_base()); it may take over
// the packet's payload (av_packet_move_ref / av_interleaved_write_frame).
using PacketSink = std::function<Result<void>(AVPacket& packet)>;

enum class VideoCodec { vp8, h264 };

struct VideoEncoderOptions {
    VideoCodec codec = VideoCodec::vp8;
    int width = 1280, height = 720;
    Rational frame_rate{15, 1};
    int threads = 1;                   // explicit: never libav's automatic choice
    int keyframe_interval_frames = 60; // at least one keyframe every N frames
    bool global_header = false;        // the container wants codec headers in extradata
};

class VideoEncoder {
public:
    static Result<VideoEncoder> create(const VideoEncoderOptions& options);

    // Encodes `frame` (yuv420p, width x height, pts in frames; pict_type I forces a
    // keyframe) and hands every packet that became ready to `sink`. nullptr flushes.
    Result<void> encode(const AVFrame* frame, const PacketSink& sink);

    const AVCodecParameters& parameters() const { return *parameters_; }
    Rational time_base() const;
    const char* codec_name() const;

private:
    VideoEncoder(CodecContextPtr context, CodecParametersPtr parameters, PacketPtr packet);

    CodecContextPtr context_;
    CodecParametersPtr parameters_;
    PacketPtr packet_;
};

} // namespace tafel::transcode
