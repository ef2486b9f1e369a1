#include "transcode/audio_encoder.hpp"

#include "transcode/av_error.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/opt.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libavutil/frame.h>
#include <libswresample/swresample.h>
}

#include <fmt/format.h>

#include <algorithm>

namespace tafel::transcode {

namespace {

constexpr int k_channels = 2;

bool supports(const AVCodec& codec, AVSampleFormat format) {
    if (codec.sample_fmts == nullptr) return true;
    for (const AVSampleFormat* f = codec.sample_fmts; *f != AV_SAMPLE_FMT_NONE; ++f) {
        if (*f == format) return true;
    }
    return false;
}

bool supports_rate(const AVCodec& codec, int rate) {
    if (codec.supported_samplerates == nullptr) return true;
    for (const int* r = codec.supported_samplerates; *r != 0; ++r) {
        if (*r == rate) return true;
    }
    return false;
}

} // namespace

AudioEncoder::AudioEncoder(CodecContextPtr context, CodecParametersPtr parameters, PacketPtr packet,
                           SwrPtr resampler, AudioFifoPtr fifo)
    : context_(std::move(context)), parameters_(std::move(parameters)), packet_(std::move(packet)),
      resampler_(std::move(resampler)), fifo_(std::move(fifo)) {}

Result<AudioEncoder> AudioEncoder::create(const AudioEncoderOptions& options) {
    const bool opus = options.codec == AudioCodec::opus;
    const char* name = opus ? "libopus" : "aac";
    if (options.input_sample_rate <= 0) {
        return fail(Errc::invalid_argument, fmt::format("{}: input sample rate {}", name, options.input_sample_rate));
    }
    const AVCodec* codec = avcodec_find_encoder_by_name(name);
    if (codec == nullptr) return av_fail(AVERROR_ENCODER_NOT_FOUND, fmt::format("find encoder {}", name));
    auto context = make_codec_context(*codec);
    if (!context) return std::unexpected(context.error());
    AVCodecContext& c = **context;

    // Opus runs at 48 kHz only in practice (RFC 7845 §5.1: other rates are resampled
    // anyway); AAC keeps the input rate when it can.
    int rate = options.input_sample_rate;
    if (opus || !supports_rate(*codec, rate)) rate = 48000;
    c.sample_rate = rate;
    c.time_base = AVRational{1, rate};
    // libopus takes interleaved s16 or float, FFmpeg's AAC planar float.
    c.sample_fmt = supports(*codec, AV_SAMPLE_FMT_FLT) ? AV_SAMPLE_FMT_FLT : AV_SAMPLE_FMT_FLTP;
    if (!supports(*codec, c.sample_fmt)) c.sample_fmt = codec->sample_fmts[0];
    const AVChannelLayout stereo = AV_CHANNEL_LAYOUT_STEREO;
    int ret = av_channel_layout_copy(&c.ch_layout, &stereo);
    if (ret < 0) return av_fail(ret, fmt::format("channel layout of {}", name));
    c.bit_rate = options.bit_rate > 0 ? options.bit_rate : (opus ? 96'000 : 128'000);
    c.thread_count = 1;
    if (options.global_header) c.flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    // Speed over the last fraction of a dB: FFmpeg's AAC "fast" coder (aaccoder.c) instead of
    // the two-loop search took the MP4 thread's AAC share from ~7 % of a render's CPU down,
    // and libopus complexity 5 (of 10) halves its analysis for speech.
    if (opus) {
        c.compression_level = 5;
    } else if (ret = av_opt_set(c.priv_data, "aac_coder", "fast", 0); ret < 0) {
        return av_fail(ret, fmt::format("set aac_coder of {}", name));
    }
    ret = avcodec_open2(&c, codec, nullptr);
    if (ret < 0) return av_fail(ret, fmt::format("open encoder {} at {} Hz", name, rate));

    auto parameters = make_codec_parameters();
    if (!parameters) return std::unexpected(parameters.error());
    ret = avcodec_parameters_from_context(parameters->get(), &c);
    if (ret < 0) return av_fail(ret, fmt::format("parameters of encoder {}", name));
    auto packet = make_packet();
    if (!packet) return std::unexpected(packet.error());

    SwrContext* raw_swr = nullptr;
    AVChannelLayout input_layout = AV_CHANNEL_LAYOUT_STEREO;   // FFmpeg 5.1 takes it non-const
    ret = swr_alloc_set_opts2(&raw_swr, &c.ch_layout, c.sample_fmt, rate, &input_layout, AV_SAMPLE_FMT_FLT,
                              options.input_sample_rate, 0, nullptr);
    SwrPtr resampler{raw_swr};
    if (ret < 0) return av_fail(ret, fmt::format("configure resampler for {}", name));
    ret = swr_init(resampler.get());
    if (ret < 0) return av_fail(ret, fmt::format("init resampler for {}", name));

    const int frame_size = c.frame_size > 0 ? c.frame_size : 1024;
    AudioFifoPtr fifo{av_audio_fifo_alloc(c.sample_fmt, k_channels, frame_size * 4)};
    if (!fifo) return av_fail(AVERROR(ENOMEM), fmt::format("audio fifo for {}", name));
    return AudioEncoder(std::move(*context), std::move(*parameters), std::move(*packet), std::move(resampler),
                        std::move(fifo));
}

Result<void> AudioEncoder::encode(std::span<const float> interleaved, const PacketSink& sink) {
    const int in_samples = static_cast<int>(interleaved.size() / k_channels);
    if (in_samples == 0) return {};
    const int out_capacity = swr_get_out_samples(resampler_.get(), in_samples);
    if (out_capacity < 0) return av_fail(out_capacity, fmt::format("resample for {}", codec_name()));
    auto converted = make_frame();
    if (!converted) return std::unexpected(converted.error());
    AVFrame& f = **converted;
    f.format = context_->sample_fmt;
    f.nb_samples = std::max(out_capacity, 1);
    int ret = av_channel_layout_copy(&f.ch_layout, &context_->ch_layout);
    if (ret >= 0) ret = av_frame_get_buffer(&f, 0);
    if (ret < 0) return av_fail(ret, fmt::format("buffer for {} input", codec_name()));
    const auto* in = reinterpret_cast<const std::uint8_t*>(interleaved.data());
    const int out_samples = swr_convert(resampler_.get(), f.extended_data, f.nb_samples, &in, in_samples);
    if (out_samples < 0) return av_fail(out_samples, fmt::format("resample for {}", codec_name()));
    ret = av_audio_fifo_write(fifo_.get(), reinterpret_cast<void**>(f.extended_data), out_samples);
    if (ret < 0) return av_fail(ret, fmt::format("buffer samples for {}", codec_name()));
    return send_frames(false, sink);
}

Result<void> AudioEncoder::flush(const PacketSink& sink) {
    // What the resampler still holds (nothing when the rates match), then the rest.
    auto tail = make_frame();
    if (!tail) return std::unexpected(tail.error());
    AVFrame& f = **tail;
    f.format = context_->sample_fmt;
    f.nb_samples = std::max(swr_get_out_samples(resampler_.get(), 0), 1);
    int ret = av_channel_layout_copy(&f.ch_layout, &context_->ch_layout);
    if (ret >= 0) ret = av_frame_get_buffer(&f, 0);
    if (ret < 0) return av_fail(ret, fmt::format("buffer for {} tail", codec_name()));
    const int out_samples = swr_convert(resampler_.get(), f.extended_data, f.nb_samples, nullptr, 0);
    if (out_samples > 0) {
        ret = av_audio_fifo_write(fifo_.get(), reinterpret_cast<void**>(f.extended_data), out_samples);
        if (ret < 0) return av_fail(ret, fmt::format("buffer samples for {}", codec_name()));
    }
    if (auto sent = send_frames(true, sink); !sent) return sent;
    int send = avcodec_send_frame(context_.get(), nullptr);
    if (send < 0 && send != AVERROR_EOF) return av_fail(send, fmt::format("flush {}", codec_name()));
    return drain(sink);
}

Result<void> AudioEncoder::send_frames(bool final, const PacketSink& sink) {
    const int frame_size = context_->frame_size;
    const bool variable = frame_size <= 0 || (context_->codec->capabilities & AV_CODEC_CAP_VARIABLE_FRAME_SIZE);
    const bool small_last = (context_->codec->capabilities & AV_CODEC_CAP_SMALL_LAST_FRAME) != 0;
    for (;;) {
        const int buffered = av_audio_fifo_size(fifo_.get());
        if (buffered == 0) return {};
        if (!variable && buffered < frame_size && !final) return {};
        int take = variable ? std::min(buffered, frame_size > 0 ? frame_size : 1024) : std::min(buffered, frame_size);
        // The codec needs full frames and this is the last, short one: pad with silence.
        const int nb = (!variable && !small_last) ? frame_size : take;
        auto frame = make_frame();
        if (!frame) return std::unexpected(frame.error());
        AVFrame& f = **frame;
        f.format = context_->sample_fmt;
        f.nb_samples = nb;
        f.sample_rate = context_->sample_rate;
        int ret = av_channel_layout_copy(&f.ch_layout, &context_->ch_layout);
        if (ret >= 0) ret = av_frame_get_buffer(&f, 0);
        if (ret < 0) return av_fail(ret, fmt::format("frame for {}", codec_name()));
        if (nb > take) {
            av_samples_set_silence(f.extended_data, take, nb - take, k_channels, context_->sample_fmt);
        }
        ret = av_audio_fifo_read(fifo_.get(), reinterpret_cast<void**>(f.extended_data), take);
        if (ret < 0) return av_fail(ret, fmt::format("read samples for {}", codec_name()));
        f.pts = next_pts_;
        next_pts_ += nb;
        ret = avcodec_send_frame(context_.get(), &f);
        if (ret < 0) return av_fail(ret, fmt::format("encode audio with {}", codec_name()));
        if (auto drained = drain(sink); !drained) return drained;
    }
}

Result<void> AudioEncoder::drain(const PacketSink& sink) {
    for (;;) {
        const int ret = avcodec_receive_packet(context_.get(), packet_.get());
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return {};
        if (ret < 0) return av_fail(ret, fmt::format("receive packet from {}", codec_name()));
        auto written = sink(*packet_);
        av_packet_unref(packet_.get());
        if (!written) return written;
    }
}

Rational AudioEncoder::time_base() const {
    return Rational{context_->time_base.num, context_->time_base.den};
}

const char* AudioEncoder::codec_name() const { return context_->codec->name; }

} // namespace tafel::transcode
