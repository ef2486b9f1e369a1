#include "transcode/video_encoder.hpp"

#include "transcode/av_error.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
}

#include <fmt/format.h>

#include <cstring>

namespace tafel::transcode {

namespace {

const char* name_of(VideoCodec codec) {
    switch (codec) {
    case VideoCodec::vp9: return "VP9 (libvpx)";
    case VideoCodec::vp8: return "VP8 (libvpx)";
    case VideoCodec::h264: return "H.264 (libx264)";
    }
    return "?";
}

} // namespace

VideoEncoder::VideoEncoder(std::unique_ptr<Backend> backend, CodecParametersPtr parameters, Rational time_base,
                           std::int64_t keyframe_interval, BlockGrid grid)
    : backend_(std::move(backend)), parameters_(std::move(parameters)), time_base_(time_base),
      keyframe_interval_(keyframe_interval), grid_(grid) {}

VideoEncoder::~VideoEncoder() = default;
VideoEncoder::VideoEncoder(VideoEncoder&&) noexcept = default;
VideoEncoder& VideoEncoder::operator=(VideoEncoder&&) noexcept = default;

Result<VideoEncoder> VideoEncoder::create(const VideoEncoderOptions& options) {
    const char* name = name_of(options.codec);
    if (!options.frame_rate.valid() || options.width <= 0 || options.height <= 0 || options.width % 2 != 0 ||
        options.height % 2 != 0 || options.keyframe_interval_frames <= 0) {
        return fail(Errc::invalid_argument,
                    fmt::format("{}: size {}x{} (must be even, positive), frame rate {}/{} or keyframe interval {} "
                                "invalid",
                                name, options.width, options.height, options.frame_rate.num, options.frame_rate.den,
                                options.keyframe_interval_frames));
    }
    auto parameters = make_codec_parameters();
    if (!parameters) return std::unexpected(parameters.error());
    AVCodecParameters& p = **parameters;
    p.codec_type = AVMEDIA_TYPE_VIDEO;
    p.width = options.width;
    p.height = options.height;
    p.format = AV_PIX_FMT_YUV420P;
    p.sample_aspect_ratio = AVRational{1, 1};
    p.field_order = AV_FIELD_PROGRESSIVE;
    auto backend = options.codec == VideoCodec::h264 ? make_x264_backend(options, p) : make_vpx_backend(options, p);
    if (!backend) return std::unexpected(backend.error());
    const Rational time_base{options.frame_rate.den, options.frame_rate.num};
    return VideoEncoder(std::move(*backend), std::move(*parameters), time_base, options.keyframe_interval_frames,
                        BlockGrid::for_size(options.width, options.height));
}

Result<void> VideoEncoder::encode(const AVFrame* frame, std::span<const std::uint8_t> changed,
                                  const PacketSink& sink) {
    if (frame == nullptr) return backend_->encode(nullptr, {}, false, sink);
    if (!changed.empty() && changed.size() != grid_.size()) {
        return fail(Errc::invalid_argument, fmt::format("{}: change map of {} blocks for a {}x{} block grid",
                                                        codec_name(), changed.size(), grid_.cols, grid_.rows));
    }
    // The keyframe interval is one of time, not of frames: frames that did not change may
    // be left out (a gap in pts), and a seek must still find a keyframe within the interval.
    bool keyframe = !started_ || frame->pict_type == AV_PICTURE_TYPE_I ||
                    frame->pts - last_keyframe_pts_ >= keyframe_interval_;
    started_ = true;
    if (keyframe) last_keyframe_pts_ = frame->pts;
    return backend_->encode(frame, keyframe ? std::span<const std::uint8_t>() : changed, keyframe, sink);
}

const char* VideoEncoder::codec_name() const { return backend_->name(); }

Result<void> emit_packet(AVPacket& packet, std::span<const std::uint8_t> payload, std::int64_t pts,
                         std::int64_t dts, std::int64_t duration, bool key, const PacketSink& sink) {
    av_packet_unref(&packet);
    const int ret = av_new_packet(&packet, static_cast<int>(payload.size()));
    if (ret < 0) return av_fail(ret, fmt::format("packet of {} bytes", payload.size()));
    if (!payload.empty()) std::memcpy(packet.data, payload.data(), payload.size());
    packet.pts = pts;
    packet.dts = dts;
    packet.duration = duration > 0 ? duration : 1;
    if (key) packet.flags |= AV_PKT_FLAG_KEY;
    auto written = sink(packet);
    av_packet_unref(&packet);
    return written;
}

} // namespace tafel::transcode
