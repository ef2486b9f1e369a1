#include "transcode/video_decoder.hpp"

#include "core/log.hpp"
#include "transcode/av_error.hpp"
#include "transcode/av_handles.hpp"

#include <fmt/format.h>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <cstring>

namespace tafel::transcode {

namespace {

void copy_plane(const std::uint8_t* src, int src_stride, std::uint8_t* dst, int dst_stride,
                int width, int height) {
    for (int row = 0; row < height; ++row) {
        std::memcpy(dst + static_cast<std::ptrdiff_t>(row) * dst_stride,
                    src + static_cast<std::ptrdiff_t>(row) * src_stride, static_cast<std::size_t>(width));
    }
}

} // namespace

struct VideoDecoder::Impl {
    CodecContextPtr ctx;
    PacketPtr packet;
    FramePtr frame;
    VideoDecoderStats stats;
    bool have_keyframe = false;
    log::RateLimit corrupt_limit;
};

VideoDecoder::VideoDecoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VideoDecoder::VideoDecoder(VideoDecoder&&) noexcept = default;
VideoDecoder& VideoDecoder::operator=(VideoDecoder&&) noexcept = default;
VideoDecoder::~VideoDecoder() = default;

Result<VideoDecoder> VideoDecoder::create(int threads) {
    const AVCodec* codec = avcodec_find_decoder_by_name("vp8");
    if (codec == nullptr) return fail(Errc::unsupported, "libavcodec has no vp8 decoder");
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
    // Slice threads only: frame threading would hold pictures back by `threads` frames.
    impl->ctx->thread_count = std::max(1, threads);
    impl->ctx->thread_type = FF_THREAD_SLICE;
    if (int err = avcodec_open2(impl->ctx.get(), codec, nullptr); err < 0) return av_fail(err, "open vp8 decoder");
    return VideoDecoder(std::move(impl));
}

const VideoDecoderStats& VideoDecoder::stats() const { return impl_->stats; }

Result<bool> VideoDecoder::decode(std::span<const std::uint8_t> data, I420Frame& out) {
    Impl& s = *impl_;
    ++s.stats.frames_in;
    if (data.empty()) return false;
    if (!s.have_keyframe) {
        if (!vp8_is_keyframe(data)) {
            ++s.stats.dropped_before_keyframe;
            return false;
        }
        s.have_keyframe = true;
    }
    if (av_new_packet(s.packet.get(), static_cast<int>(data.size())) < 0) {
        return fail(Errc::codec, "vp8 decoder: out of memory for a packet");
    }
    std::memcpy(s.packet->data, data.data(), data.size());
    if (vp8_is_keyframe(data)) s.packet->flags |= AV_PKT_FLAG_KEY;
    const int sent = avcodec_send_packet(s.ctx.get(), s.packet.get());
    av_packet_unref(s.packet.get());
    if (sent < 0 && sent != AVERROR(EAGAIN)) {
        ++s.stats.corrupt;
        std::uint64_t suppressed = 0;
        if (s.corrupt_limit.allow(suppressed)) {
            log::get("transcode")->warn("vp8 frame rejected: {} ({} more suppressed)", av_error(sent, "decode").message, suppressed);
        }
        // A rejected frame breaks the prediction chain: wait for the next keyframe.
        s.have_keyframe = false;
        return false;
    }
    bool got = false;
    for (;;) {
        const int rc = avcodec_receive_frame(s.ctx.get(), s.frame.get());
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) break;
        if (rc < 0) {
            ++s.stats.corrupt;
            s.have_keyframe = false;
            break;
        }
        AVFrame* f = s.frame.get();
        if (f->format != AV_PIX_FMT_YUV420P) {
            const char* name = av_get_pix_fmt_name(static_cast<AVPixelFormat>(f->format));
            av_frame_unref(f);
            return fail(Errc::unsupported, fmt::format("vp8 decoder produced pixel format {}",
                                                       name != nullptr ? name : "?"));
        }
        if (out.width != f->width || out.height != f->height) out = I420Frame::allocate(f->width, f->height);
        copy_plane(f->data[0], f->linesize[0], out.y.data(), out.stride_y, out.width, out.height);
        copy_plane(f->data[1], f->linesize[1], out.u.data(), out.stride_uv, out.chroma_width(), out.chroma_height());
        copy_plane(f->data[2], f->linesize[2], out.v.data(), out.stride_uv, out.chroma_width(), out.chroma_height());
        av_frame_unref(f);
        ++s.stats.pictures_out;
        got = true;
    }
    return got;
}

} // namespace tafel::transcode
