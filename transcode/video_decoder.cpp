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
#include <cctype>
#include <cstring>
#include <string>

namespace tafel::transcode {

namespace {

void copy_plane(const std::uint8_t* src, int src_stride, std::uint8_t* dst, int dst_stride,
                int width, int height) {
    for (int row = 0; row < height; ++row) {
        std::memcpy(dst + static_cast<std::ptrdiff_t>(row) * dst_stride,
                    src + static_cast<std::ptrdiff_t>(row) * src_stride, static_cast<std::size_t>(width));
    }
}

const char* libav_name(VideoCodec c) {
    switch (c) {
    case VideoCodec::vp8: return "vp8";
    case VideoCodec::vp9: return "vp9";
    case VideoCodec::h264: return "h264";
    }
    return "?";
}

} // namespace

Result<VideoCodec> video_codec_from_name(std::string_view name) {
    std::string n;
    for (char c : name) {
        if (c != '.') n.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    if (n == "vp8") return VideoCodec::vp8;
    if (n == "vp9") return VideoCodec::vp9;
    if (n == "h264" || n == "avc") return VideoCodec::h264;
    return fail(Errc::unsupported, fmt::format("video codec \"{}\" (VP8, VP9 and H264 are decoded)", name));
}

bool vp9_is_keyframe(std::span<const std::uint8_t> frame) {
    if (frame.empty() || (frame[0] >> 6) != 2) return false; // frame_marker
    const int profile = ((frame[0] >> 5) & 1) | (((frame[0] >> 4) & 1) << 1);
    const int shift = profile == 3 ? 1 : 0;                  // reserved_zero bit in profile 3
    const bool show_existing = (frame[0] >> (3 - shift)) & 1;
    const bool inter = (frame[0] >> (2 - shift)) & 1;        // frame_type: 0 = KEY_FRAME
    return !show_existing && !inter;
}

bool h264_is_keyframe(std::span<const std::uint8_t> au) {
    for (std::size_t i = 0; i + 3 < au.size(); ++i) {
        if (au[i] == 0 && au[i + 1] == 0 && au[i + 2] == 1 && (au[i + 3] & 0x1f) == 5) return true;
    }
    return false;
}

bool is_keyframe(VideoCodec codec, std::span<const std::uint8_t> frame) {
    switch (codec) {
    case VideoCodec::vp8: return vp8_is_keyframe(frame);
    case VideoCodec::vp9: return vp9_is_keyframe(frame);
    case VideoCodec::h264: return h264_is_keyframe(frame);
    }
    return false;
}

struct VideoDecoder::Impl {
    VideoCodec codec = VideoCodec::vp8;
    CodecContextPtr ctx;
    PacketPtr packet;
    FramePtr frame;
    VideoDecoderStats stats;
    bool have_keyframe = false;
    bool draining = false;
    std::int64_t picture_pts = 0;
    log::RateLimit corrupt_limit;

    // Copies the decoder's current frame into `out`.
    Result<void> take(I420Frame& out) {
        AVFrame* f = frame.get();
        // H.264 may signal full range (yuvj420p): the same planes, only the range differs.
        if (f->format != AV_PIX_FMT_YUV420P && f->format != AV_PIX_FMT_YUVJ420P) {
            const char* name = av_get_pix_fmt_name(static_cast<AVPixelFormat>(f->format));
            av_frame_unref(f);
            return fail(Errc::unsupported, fmt::format("{} decoder produced pixel format {}", libav_name(codec),
                                                       name != nullptr ? name : "?"));
        }
        if (out.width != f->width || out.height != f->height) {
            if (!out.empty()) ++stats.size_changes;
            out = I420Frame::allocate(f->width, f->height);
        }
        copy_plane(f->data[0], f->linesize[0], out.y.data(), out.stride_y, out.width, out.height);
        copy_plane(f->data[1], f->linesize[1], out.u.data(), out.stride_uv, out.chroma_width(), out.chroma_height());
        copy_plane(f->data[2], f->linesize[2], out.v.data(), out.stride_uv, out.chroma_width(), out.chroma_height());
        picture_pts = f->best_effort_timestamp != AV_NOPTS_VALUE ? f->best_effort_timestamp : f->pts;
        av_frame_unref(f);
        ++stats.pictures_out;
        return {};
    }
};

VideoDecoder::VideoDecoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VideoDecoder::VideoDecoder(VideoDecoder&&) noexcept = default;
VideoDecoder& VideoDecoder::operator=(VideoDecoder&&) noexcept = default;
VideoDecoder::~VideoDecoder() = default;

Result<VideoDecoder> VideoDecoder::create(int threads, VideoCodec which) {
    const AVCodec* codec = avcodec_find_decoder_by_name(libav_name(which));
    if (codec == nullptr) return fail(Errc::unsupported, fmt::format("libavcodec has no {} decoder", libav_name(which)));
    auto impl = std::make_unique<Impl>();
    impl->codec = which;
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
    // Timestamps pass through untouched (pts of the packet → pts of its picture).
    impl->ctx->pkt_timebase = AVRational{1, 90'000};
    if (int err = avcodec_open2(impl->ctx.get(), codec, nullptr); err < 0) {
        return av_fail(err, fmt::format("open {} decoder", libav_name(which)));
    }
    return VideoDecoder(std::move(impl));
}

const VideoDecoderStats& VideoDecoder::stats() const { return impl_->stats; }
std::int64_t VideoDecoder::picture_pts() const { return impl_->picture_pts; }
VideoCodec VideoDecoder::codec() const { return impl_->codec; }

Result<bool> VideoDecoder::flush(I420Frame& out) {
    Impl& s = *impl_;
    if (!s.draining) {
        s.draining = true;
        if (int rc = avcodec_send_packet(s.ctx.get(), nullptr); rc < 0 && rc != AVERROR_EOF) {
            return av_fail(rc, fmt::format("drain {} decoder", libav_name(s.codec)));
        }
    }
    const int rc = avcodec_receive_frame(s.ctx.get(), s.frame.get());
    if (rc == 0) {
        if (auto took = s.take(out); !took) return std::unexpected(took.error());
        return true;
    }
    // Drained (or a corrupt tail): ready for a new stream, which starts at a keyframe.
    avcodec_flush_buffers(s.ctx.get());
    s.draining = false;
    s.have_keyframe = false;
    return false;
}

Result<bool> VideoDecoder::decode(std::span<const std::uint8_t> data, I420Frame& out, std::int64_t pts) {
    Impl& s = *impl_;
    ++s.stats.frames_in;
    if (data.empty()) return false;
    const bool key = is_keyframe(s.codec, data);
    if (!s.have_keyframe) {
        if (!key) {
            ++s.stats.dropped_before_keyframe;
            return false;
        }
        s.have_keyframe = true;
    }
    if (av_new_packet(s.packet.get(), static_cast<int>(data.size())) < 0) {
        return fail(Errc::codec, fmt::format("{} decoder: out of memory for a packet", libav_name(s.codec)));
    }
    std::memcpy(s.packet->data, data.data(), data.size());
    s.packet->pts = pts;
    if (key) s.packet->flags |= AV_PKT_FLAG_KEY;
    const int sent = avcodec_send_packet(s.ctx.get(), s.packet.get());
    av_packet_unref(s.packet.get());
    if (sent < 0 && sent != AVERROR(EAGAIN)) {
        ++s.stats.corrupt;
        std::uint64_t suppressed = 0;
        if (s.corrupt_limit.allow(suppressed)) {
            log::get("transcode")->warn("{} frame rejected: {} ({} more suppressed)", libav_name(s.codec),
                                        av_error(sent, "decode").message, suppressed);
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
        if (auto took = s.take(out); !took) return std::unexpected(took.error());
        got = true;
    }
    return got;
}

} // namespace tafel::transcode
