// H.264 through libx264's own API (x264.h): the one way to hand it mb_info, which marks the
// macroblocks that did not change so that x264 codes them as P_SKIP without analysing them
// (encoder/analyse.c) — libavcodec 5.1's wrapper has no way to pass it.
#include "transcode/av_error.hpp"
#include "transcode/video_encoder.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/mem.h>
#include <x264.h>
}

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace tafel::transcode {

namespace {

struct X264Deleter {
    void operator()(x264_t* encoder) const noexcept { x264_encoder_close(encoder); }
};
using X264Ptr = std::unique_ptr<x264_t, X264Deleter>;

class X264Backend final : public VideoEncoder::Backend {
public:
    X264Backend(X264Ptr encoder, PacketPtr packet, BlockGrid grid)
        : encoder_(std::move(encoder)), packet_(std::move(packet)), grid_(grid) {}

    Result<void> encode(const AVFrame* frame, std::span<const std::uint8_t> changed, bool keyframe,
                        const PacketSink& sink) override {
        x264_nal_t* nals = nullptr;
        int nal_count = 0;
        x264_picture_t out;
        if (frame == nullptr) {
            while (x264_encoder_delayed_frames(encoder_.get()) > 0) {
                const int bytes = x264_encoder_encode(encoder_.get(), &nals, &nal_count, nullptr, &out);
                if (bytes < 0) return fail(Errc::codec, "libx264: flush failed");
                if (auto e = emit(nals, nal_count, bytes, out, sink); !e) return e;
            }
            return {};
        }
        x264_picture_t in;
        x264_picture_init(&in);
        in.img.i_csp = X264_CSP_I420;
        in.img.i_plane = 3;
        for (int plane = 0; plane < 3; ++plane) {
            in.img.plane[plane] = frame->data[plane];
            in.img.i_stride[plane] = frame->linesize[plane];
        }
        in.i_pts = frame->pts;
        // An IDR, not just an I frame: a seek to a slide change must be able to start there.
        in.i_type = keyframe ? X264_TYPE_IDR : X264_TYPE_AUTO;
        if (!changed.empty()) {
            // x264 keeps the array until the frame leaves its look-ahead and frees it through
            // mb_info_free (x264.h), so each frame gets its own copy.
            auto* info = static_cast<std::uint8_t*>(std::malloc(changed.size()));
            if (info == nullptr) return fail(Errc::internal, "libx264: out of memory for mb_info");
            for (std::size_t i = 0; i < changed.size(); ++i) info[i] = changed[i] != 0 ? 0 : X264_MBINFO_CONSTANT;
            in.prop.mb_info = info;
            in.prop.mb_info_free = &std::free;
        }
        const int bytes = x264_encoder_encode(encoder_.get(), &nals, &nal_count, &in, &out);
        if (bytes < 0) return fail(Errc::codec, fmt::format("libx264: encoding frame {} failed", frame->pts));
        return emit(nals, nal_count, bytes, out, sink);
    }

    const char* name() const override { return "libx264"; }

private:
    Result<void> emit(const x264_nal_t* nals, int nal_count, int bytes, const x264_picture_t& out,
                      const PacketSink& sink) {
        if (bytes == 0 || nal_count == 0) return {};
        // x264 returns the NAL units of one frame back to back in one buffer (x264.h,
        // x264_encoder_encode), Annex B framed: one packet.
        return emit_packet(*packet_, std::span(nals[0].p_payload, static_cast<std::size_t>(bytes)), out.i_pts,
                           out.i_dts, 1, out.b_keyframe != 0, sink);
    }

    X264Ptr encoder_;
    PacketPtr packet_;
    BlockGrid grid_;
};

} // namespace

Result<std::unique_ptr<VideoEncoder::Backend>> make_x264_backend(const VideoEncoderOptions& options,
                                                                 AVCodecParameters& parameters) {
    x264_param_t p;
    // "veryfast" with the still-image tuning (x264 --fullhelp: lower psy, stronger AQ, lighter
    // deblocking — text stays crisp); then what a CFR lesson without B-frames wants.
    if (x264_param_default_preset(&p, "veryfast", "stillimage") < 0) {
        return fail(Errc::codec, "libx264: preset veryfast/stillimage unknown");
    }
    p.i_log_level = X264_LOG_ERROR;
    p.i_threads = std::max(1, options.threads);
    p.i_sync_lookahead = 0;
    p.i_width = options.width;
    p.i_height = options.height;
    p.i_csp = X264_CSP_I420;
    p.i_fps_num = static_cast<std::uint32_t>(options.frame_rate.num);
    p.i_fps_den = static_cast<std::uint32_t>(options.frame_rate.den);
    p.i_timebase_num = static_cast<std::uint32_t>(options.frame_rate.den);
    p.i_timebase_den = static_cast<std::uint32_t>(options.frame_rate.num);
    p.b_vfr_input = 1;   // pts gaps (unchanged frames left out) are real durations
    p.vui.i_sar_width = p.vui.i_sar_height = 1;
    // B-frames would make the reference of a P frame not the previous frame, and mb_info's
    // "constant" only lets x264 skip a block whose reference is the frame before
    // (encoder/analyse.c); keyframes come from the interval and the renderer's slide changes.
    p.i_bframe = 0;
    p.i_keyint_max = options.keyframe_interval_frames;
    p.i_keyint_min = std::min(options.keyframe_interval_frames, 15);
    p.i_scenecut_threshold = 0;
    p.analyse.b_mb_info = 1;
    // Constant QP, no lookahead, no MB-tree: with neither B-frames nor scene-cut detection x264
    // then skips its low-resolution look-ahead analysis altogether (encoder/encoder.c,
    // b_have_lowres), which CRF needs on every frame — a full-frame pass even when only the
    // webcam tile changed. I frames get qp − 6·log2(ipratio 1.4) ≈ qp − 3: slides stay sharp.
    p.rc.i_rc_method = X264_RC_CQP;
    p.rc.i_qp_constant = 32;
    p.rc.i_lookahead = 0;
    p.rc.b_mb_tree = 0;
    p.analyse.i_weighted_pred = X264_WEIGHTP_NONE;
    // Full-pel motion search only (subme 0): x264 then keeps no half-pel planes of its
    // reference frames (common/frame.c allocates and fills them only with i_subpel_refine),
    // so the 6-tap interpolation of every whole 720p reference frame is gone — most of a
    // frame's work when only the webcam tile changed. Measured on the standard lesson: 13 %
    // less CPU for the whole render, lesson.mp4 5.6 % larger (delta frames of the moving
    // webcam), slide-area PSNR unchanged (docs/encoding.md).
    p.analyse.i_subpel_refine = 0;
    p.b_annexb = 1;
    p.b_repeat_headers = options.global_header ? 0 : 1;
    if (x264_param_apply_profile(&p, "high") < 0) return fail(Errc::codec, "libx264: profile high refused");

    X264Ptr encoder{x264_encoder_open(&p)};
    if (!encoder) {
        return fail(Errc::codec, fmt::format("libx264: cannot open an encoder for {}x{}", options.width,
                                             options.height));
    }
    parameters.codec_id = AV_CODEC_ID_H264;
    parameters.profile = FF_PROFILE_H264_HIGH;
    if (options.global_header) {
        // SPS and PPS as Annex B extradata (what libavcodec's libx264 wrapper stores too; the
        // MP4 muxer turns it into an avcC box). The SEI x264 also returns is left out.
        x264_nal_t* nals = nullptr;
        int count = 0;
        if (x264_encoder_headers(encoder.get(), &nals, &count) < 0) return fail(Errc::codec, "libx264: headers");
        std::vector<std::uint8_t> extradata;
        for (int i = 0; i < count; ++i) {
            if (nals[i].i_type == NAL_SEI) continue;
            extradata.insert(extradata.end(), nals[i].p_payload, nals[i].p_payload + nals[i].i_payload);
        }
        parameters.extradata = static_cast<std::uint8_t*>(av_mallocz(extradata.size() + AV_INPUT_BUFFER_PADDING_SIZE));
        if (parameters.extradata == nullptr) return fail(Errc::internal, "libx264: out of memory for extradata");
        std::memcpy(parameters.extradata, extradata.data(), extradata.size());
        parameters.extradata_size = static_cast<int>(extradata.size());
    }
    auto packet = make_packet();
    if (!packet) return std::unexpected(packet.error());
    return std::unique_ptr<VideoEncoder::Backend>(std::make_unique<X264Backend>(
        std::move(encoder), std::move(*packet), BlockGrid::for_size(options.width, options.height)));
}

} // namespace tafel::transcode
