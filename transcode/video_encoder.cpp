#include "transcode/video_encoder.hpp"

#include "transcode/av_error.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/opt.h>
}

#include <fmt/format.h>

namespace tafel::transcode {

namespace {

struct DictionaryDeleter {
    void operator()(AVDictionary* dict) const noexcept { av_dict_free(&dict); }
};
using DictionaryPtr = std::unique_ptr<AVDictionary, DictionaryDeleter>;

void set(DictionaryPtr& dict, const char* key, const std::string& value) {
    AVDictionary* raw = dict.release();
    av_dict_set(&raw, key, value.c_str(), 0);
    dict.reset(raw);
}

// Encoder-private settings for lesson content: mostly still slides and a small webcam, so
// quality-targeted rate control with a bitrate cap, and presets fast enough for a 2-core
// worker to stay well ahead of real time.
DictionaryPtr private_options(const VideoEncoderOptions& options) {
    DictionaryPtr dict;
    if (options.codec == VideoCodec::vp8) {
        // libvpx: "good" deadline with cpu-used 4 is the speed/quality knee for VP8; crf +
        // b selects constrained quality (vpx_encoder.h, VPX_CQ) — b is the cap.
        set(dict, "deadline", "good");
        set(dict, "cpu-used", "4");
        set(dict, "crf", "10");
        set(dict, "lag-in-frames", "0");   // no alt-ref lookahead: frames leave as they come
    } else {
        set(dict, "preset", "veryfast");
        set(dict, "tune", "stillimage");
        set(dict, "crf", "23");
        // A forced keyframe (slide change) must be an IDR so that seeking lands on it.
        set(dict, "forced-idr", "1");
    }
    return dict;
}

} // namespace

VideoEncoder::VideoEncoder(CodecContextPtr context, CodecParametersPtr parameters, PacketPtr packet)
    : context_(std::move(context)), parameters_(std::move(parameters)), packet_(std::move(packet)) {}

Result<VideoEncoder> VideoEncoder::create(const VideoEncoderOptions& options) {
    const char* name = options.codec == VideoCodec::vp8 ? "libvpx" : "libx264";
    if (!options.frame_rate.valid() || options.width <= 0 || options.height <= 0 ||
        options.width % 2 != 0 || options.height % 2 != 0) {
        return fail(Errc::invalid_argument,
                    fmt::format("{}: size {}x{} (must be even, positive) or frame rate {}/{} invalid", name,
                                options.width, options.height, options.frame_rate.num, options.frame_rate.den));
    }
    const AVCodec* codec = avcodec_find_encoder_by_name(name);
    if (codec == nullptr) return av_fail(AVERROR_ENCODER_NOT_FOUND, fmt::format("find encoder {}", name));
    auto context = make_codec_context(*codec);
    if (!context) return std::unexpected(context.error());
    AVCodecContext& c = **context;
    c.width = options.width;
    c.height = options.height;
    c.pix_fmt = AV_PIX_FMT_YUV420P;
    c.framerate = AVRational{static_cast<int>(options.frame_rate.num), static_cast<int>(options.frame_rate.den)};
    c.time_base = av_inv_q(c.framerate);
    c.gop_size = std::max(1, options.keyframe_interval_frames);
    // VP8 gets one thread: libvpx's VP8 row threads wait for each other by spinning
    // (vp8/encoder/ethreading.c, vp8_atomic_spin_wait), which burnt ~77 % of a render's CPU
    // on a busy 2-core machine (perf, bench/render); the containers encode in parallel anyway.
    c.thread_count = options.codec == VideoCodec::vp8 ? 1 : std::max(1, options.threads);
    c.sample_aspect_ratio = AVRational{1, 1};
    if (options.codec == VideoCodec::vp8) {
        c.bit_rate = 1'500'000;
        c.qmin = 4;
        c.qmax = 48;
        // kf_min_dist = kf_max_dist (libvpxenc sets it only when keyint_min == gop_size):
        // VP8's automatic keyframe detection misfires on flat coloured slides and emits a
        // keyframe every other frame; keyframes come from the interval and from the
        // renderer's forced ones (slide changes), which is where scene cuts are anyway.
        c.keyint_min = c.gop_size;
    } else {
        c.keyint_min = std::min(c.gop_size, 15);
    }
    if (options.global_header) c.flags |= AV_CODEC_FLAG_GLOBAL_HEADER;

    DictionaryPtr dict = private_options(options);
    AVDictionary* raw = dict.release();
    int ret = avcodec_open2(&c, codec, &raw);
    dict.reset(raw);
    if (ret < 0) return av_fail(ret, fmt::format("open encoder {} {}x{}", name, options.width, options.height));

    auto parameters = make_codec_parameters();
    if (!parameters) return std::unexpected(parameters.error());
    ret = avcodec_parameters_from_context(parameters->get(), &c);
    if (ret < 0) return av_fail(ret, fmt::format("parameters of encoder {}", name));
    auto packet = make_packet();
    if (!packet) return std::unexpected(packet.error());
    return VideoEncoder(std::move(*context), std::move(*parameters), std::move(*packet));
}

Result<void> VideoEncoder::encode(const AVFrame* frame, const PacketSink& sink) {
    int ret = avcodec_send_frame(context_.get(), frame);
    if (ret < 0 && !(frame == nullptr && ret == AVERROR_EOF)) {
        return av_fail(ret, fmt::format("encode video frame with {}", codec_name()));
    }
    for (;;) {
        ret = avcodec_receive_packet(context_.get(), packet_.get());
        // "Needs more input" and "end of stream" are states, not errors (STYLE.md).
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return {};
        if (ret < 0) return av_fail(ret, fmt::format("receive packet from {}", codec_name()));
        // Neither libvpx nor libx264 in FFmpeg 5.1 sets durations; one frame is right for a
        // constant-rate stream and gives the last frame its length in the container.
        if (packet_->duration <= 0) packet_->duration = 1;
        auto written = sink(*packet_);
        av_packet_unref(packet_.get());
        if (!written) return written;
    }
}

Rational VideoEncoder::time_base() const {
    return Rational{context_->time_base.num, context_->time_base.den};
}

const char* VideoEncoder::codec_name() const { return context_->codec->name; }

} // namespace tafel::transcode
