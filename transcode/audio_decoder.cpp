#include "transcode/audio_decoder.hpp"

#include "core/log.hpp"
#include "transcode/av_error.hpp"
#include "transcode/av_handles.hpp"

#include <fmt/format.h>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libavutil/samplefmt.h>
}

#include <cstring>

namespace tafel::transcode {

namespace {

// One sample of channel `ch` at frame `i`, as float, whatever the decoder's sample format.
float sample_at(const AVFrame& f, int ch, int i) {
    const int channels = f.ch_layout.nb_channels;
    switch (static_cast<AVSampleFormat>(f.format)) {
    case AV_SAMPLE_FMT_FLTP: return reinterpret_cast<const float*>(f.extended_data[ch])[i];
    case AV_SAMPLE_FMT_FLT: return reinterpret_cast<const float*>(f.extended_data[0])[i * channels + ch];
    case AV_SAMPLE_FMT_S16P:
        return static_cast<float>(reinterpret_cast<const std::int16_t*>(f.extended_data[ch])[i]) / 32768.0f;
    case AV_SAMPLE_FMT_S16:
        return static_cast<float>(reinterpret_cast<const std::int16_t*>(f.extended_data[0])[i * channels + ch]) /
               32768.0f;
    default: return 0.0f;
    }
}

bool supported_format(int format) {
    switch (static_cast<AVSampleFormat>(format)) {
    case AV_SAMPLE_FMT_FLTP:
    case AV_SAMPLE_FMT_FLT:
    case AV_SAMPLE_FMT_S16P:
    case AV_SAMPLE_FMT_S16: return true;
    default: return false;
    }
}

} // namespace

struct AudioDecoder::Impl {
    CodecContextPtr ctx;
    PacketPtr packet;
    FramePtr frame;
    std::uint64_t corrupt = 0;
    log::RateLimit corrupt_limit;
};

AudioDecoder::AudioDecoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AudioDecoder::AudioDecoder(AudioDecoder&&) noexcept = default;
AudioDecoder& AudioDecoder::operator=(AudioDecoder&&) noexcept = default;
AudioDecoder::~AudioDecoder() = default;

Result<AudioDecoder> AudioDecoder::create(int channels) {
    if (channels == 0) channels = 2;
    if (channels != 1 && channels != 2) {
        return fail(Errc::unsupported, fmt::format("opus stream with {} channels (1 or 2 supported)", channels));
    }
    const AVCodec* codec = avcodec_find_decoder_by_name("opus");
    if (codec == nullptr) codec = avcodec_find_decoder_by_name("libopus");
    if (codec == nullptr) return fail(Errc::unsupported, "libavcodec has no opus decoder");
    auto impl = std::make_unique<Impl>();
    auto ctx = make_codec_context(*codec);
    if (!ctx) return std::unexpected(ctx.error());
    auto packet = make_packet();
    if (!packet) return std::unexpected(packet.error());
    auto frame = make_frame();
    if (!frame) return std::unexpected(frame.error());
    impl->ctx = std::move(*ctx);
    impl->packet = std::move(*packet);
    impl->frame = std::move(*frame);
    impl->ctx->sample_rate = k_mix_sample_rate;
    av_channel_layout_default(&impl->ctx->ch_layout, channels);
    if (int err = avcodec_open2(impl->ctx.get(), codec, nullptr); err < 0) return av_fail(err, "open opus decoder");
    return AudioDecoder(std::move(impl));
}

std::uint64_t AudioDecoder::corrupt_packets() const { return impl_->corrupt; }

Result<int> AudioDecoder::decode(std::span<const std::uint8_t> data, std::vector<float>& out) {
    Impl& s = *impl_;
    if (data.empty()) return 0;
    if (av_new_packet(s.packet.get(), static_cast<int>(data.size())) < 0) {
        return fail(Errc::codec, "opus decoder: out of memory for a packet");
    }
    std::memcpy(s.packet->data, data.data(), data.size());
    const int sent = avcodec_send_packet(s.ctx.get(), s.packet.get());
    av_packet_unref(s.packet.get());
    if (sent < 0 && sent != AVERROR(EAGAIN)) {
        ++s.corrupt;
        std::uint64_t suppressed = 0;
        if (s.corrupt_limit.allow(suppressed)) {
            log::get("transcode")->warn("opus packet rejected: {} ({} more suppressed)", av_error(sent, "decode").message, suppressed);
        }
        return 0;
    }
    int appended = 0;
    for (;;) {
        const int rc = avcodec_receive_frame(s.ctx.get(), s.frame.get());
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) break;
        if (rc < 0) {
            ++s.corrupt;
            break;
        }
        const AVFrame& f = *s.frame;
        if (f.sample_rate != k_mix_sample_rate) {
            const int rate = f.sample_rate;
            av_frame_unref(s.frame.get());
            return fail(Errc::unsupported, fmt::format("opus decoder output at {} Hz, expected 48000", rate));
        }
        if (!supported_format(f.format)) {
            av_frame_unref(s.frame.get());
            return fail(Errc::unsupported, "opus decoder output in an unexpected sample format");
        }
        const int channels = f.ch_layout.nb_channels;
        const std::size_t base = out.size();
        out.resize(base + static_cast<std::size_t>(f.nb_samples) * k_mix_channels);
        float* dst = out.data() + base;
        if (f.format == AV_SAMPLE_FMT_FLTP) {
            // FFmpeg's Opus decoder's format: planes interleaved in one tight loop, not a
            // format switch per sample (three voices, 48,000 samples a second each).
            const auto* left = reinterpret_cast<const float*>(f.extended_data[0]);
            const auto* right = channels > 1 ? reinterpret_cast<const float*>(f.extended_data[1]) : left;
            for (int i = 0; i < f.nb_samples; ++i) {
                dst[2 * i] = left[i];
                dst[2 * i + 1] = right[i];
            }
        } else {
            for (int i = 0; i < f.nb_samples; ++i) {
                const float left = sample_at(f, 0, i);
                dst[2 * i] = left;
                dst[2 * i + 1] = channels > 1 ? sample_at(f, 1, i) : left;
            }
        }
        appended += f.nb_samples;
        av_frame_unref(s.frame.get());
    }
    return appended;
}

} // namespace tafel::transcode
