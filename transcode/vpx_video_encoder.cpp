// VP9 / VP8 through libvpx's own API (vpx/vpx_encoder.h, vpx/vp8cx.h): settings for lesson
// content — mostly still slides with a small moving webcam tile — on a 2-core worker.
#include "transcode/av_error.hpp"
#include "transcode/video_encoder.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
}
#include <vpx/vp8cx.h>
#include <vpx/vpx_encoder.h>

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace tafel::transcode {

namespace {

class VpxBackend final : public VideoEncoder::Backend {
public:
    VpxBackend(bool vp9, PacketPtr packet) : vp9_(vp9), packet_(std::move(packet)) {}
    ~VpxBackend() override {
        if (open_) vpx_codec_destroy(&context_);
    }
    VpxBackend(const VpxBackend&) = delete;
    VpxBackend& operator=(const VpxBackend&) = delete;

    Result<void> open(const VideoEncoderOptions& options) {
        vpx_codec_iface_t* iface = vp9_ ? vpx_codec_vp9_cx() : vpx_codec_vp8_cx();
        vpx_codec_enc_cfg_t cfg;
        if (vpx_codec_enc_config_default(iface, &cfg, 0) != VPX_CODEC_OK) return failure("default configuration");
        cfg.g_w = static_cast<unsigned>(options.width);
        cfg.g_h = static_cast<unsigned>(options.height);
        cfg.g_timebase = vpx_rational{static_cast<int>(options.frame_rate.den), static_cast<int>(options.frame_rate.num)};
        cfg.g_threads = static_cast<unsigned>(std::max(1, options.threads));
        cfg.g_pass = VPX_RC_ONE_PASS;
        cfg.g_lag_in_frames = 0;   // no look-ahead: frames leave as they come, no alt-ref buffers
        cfg.g_error_resilient = 0;
        // Constant quality (vpx_encoder.h, VPX_Q): a still slide is coded once, sharply, and
        // then only skipped blocks follow; a bitrate target would spend bits re-coding it.
        cfg.rc_end_usage = VPX_Q;
        cfg.rc_min_quantizer = 4;
        // VP8's Q mode lets the quantizer drift up to the cap on flat slides (37.8 dB slide PSNR
        // with 56, encode_quality_test), so its cap is the quality floor.
        cfg.rc_max_quantizer = vp9_ ? 56 : 36;
        cfg.rc_target_bitrate = 1500;   // kb/s; only the ceiling of VP8's Q mode
        cfg.rc_undershoot_pct = 100;
        cfg.rc_overshoot_pct = 100;
        cfg.rc_buf_sz = 6000;
        cfg.rc_buf_initial_sz = 4000;
        cfg.rc_buf_optimal_sz = 5000;
        cfg.rc_dropframe_thresh = 0;    // never drop a frame: every slide change must show
        cfg.rc_resize_allowed = 0;
        // Keyframes come from the interval (VideoEncoder forces one when it is due) and from
        // the renderer at slide changes; the codec's own detector misfires on flat slides
        // (VP8 emitted one every other frame), so kf_min_dist = kf_max_dist disables it.
        cfg.kf_mode = VPX_KF_AUTO;
        cfg.kf_min_dist = cfg.kf_max_dist = static_cast<unsigned>(options.keyframe_interval_frames);
        if (vpx_codec_enc_init(&context_, iface, &cfg, 0) != VPX_CODEC_OK) return failure("init");
        open_ = true;
        grid_ = BlockGrid::for_size(options.width, options.height);
        active_.assign(grid_.size(), 1);

        const int cq_level = vp9_ ? 50 : 10;
        if (vp9_) {
            // Realtime speed 8 (vp9_speed_features.c): non-RD mode pick, the fastest preset that
            // still honours the active map. Screen content tuning (VP9E_CONTENT_SCREEN) favours
            // sharp text and palette-like areas; row-mt and 2^2 tile columns let the threads
            // share one frame without spin-waiting on each other.
            if (auto r = control(VP8E_SET_CPUUSED, 8, "cpu-used"); !r) return r;
            if (auto r = control(VP9E_SET_TUNE_CONTENT, VP9E_CONTENT_SCREEN, "tune-content"); !r) return r;
            if (auto r = control(VP9E_SET_ROW_MT, 1, "row-mt"); !r) return r;
            if (auto r = control(VP9E_SET_TILE_COLUMNS, cfg.g_threads > 1 ? 2 : 0, "tile-columns"); !r) return r;
            if (auto r = control(VP9E_SET_AQ_MODE, 0, "aq-mode"); !r) return r;
        } else {
            // VP8 realtime: cpu-used 8 of -16..16; one thread (its row threads spin-wait,
            // vp8/encoder/ethreading.c: perf showed ~77 % of a render's CPU there).
            if (auto r = control(VP8E_SET_CPUUSED, 8, "cpu-used"); !r) return r;
            if (auto r = control(VP8E_SET_SCREEN_CONTENT_MODE, 1, "screen-content-mode"); !r) return r;
        }
        // Blocks whose difference to the reference stays under the threshold are coded as
        // skipped even where the active map lets the encoder look (webcam sensor noise).
        if (auto r = control(VP8E_SET_STATIC_THRESHOLD, 1, "static-thresh"); !r) return r;
        if (auto r = control(VP8E_SET_CQ_LEVEL, cq_level, "cq-level"); !r) return r;
        return {};
    }

    Result<void> encode(const AVFrame* frame, std::span<const std::uint8_t> changed, bool keyframe,
                        const PacketSink& sink) override {
        if (frame == nullptr) {
            if (vpx_codec_encode(&context_, nullptr, 0, 0, 0, VPX_DL_REALTIME) != VPX_CODEC_OK) {
                return failure("flush");
            }
            return drain(sink);
        }
        // Active map (vpx_encoder.h vpx_active_map_t, 16x16 units for VP8 and VP9): blocks
        // marked 0 are coded as skipped without motion search. libvpx forgets the map at a
        // keyframe (vp9_encoder.c apply_active_map), so it is set for every frame.
        vpx_active_map_t map{nullptr, static_cast<unsigned>(grid_.rows), static_cast<unsigned>(grid_.cols)};
        if (!changed.empty()) {
            for (std::size_t i = 0; i < changed.size(); ++i) active_[i] = changed[i] != 0 ? 1 : 0;
            map.active_map = active_.data();
        }
        if (vpx_codec_control(&context_, VP8E_SET_ACTIVEMAP, &map) != VPX_CODEC_OK) return failure("active map");

        vpx_image_t image;
        vpx_img_wrap(&image, VPX_IMG_FMT_I420, static_cast<unsigned>(frame->width),
                     static_cast<unsigned>(frame->height), 1, frame->data[0]);
        for (int plane = 0; plane < 3; ++plane) {
            image.planes[plane] = frame->data[plane];
            image.stride[plane] = frame->linesize[plane];
        }
        const vpx_enc_frame_flags_t flags = keyframe ? VPX_EFLAG_FORCE_KF : 0;
        if (vpx_codec_encode(&context_, &image, frame->pts, 1, flags, VPX_DL_REALTIME) != VPX_CODEC_OK) {
            return failure(fmt::format("encode frame {}", frame->pts));
        }
        return drain(sink);
    }

    const char* name() const override { return vp9_ ? "libvpx-vp9" : "libvpx-vp8"; }

private:
    Result<void> drain(const PacketSink& sink) {
        vpx_codec_iter_t iter = nullptr;
        while (const vpx_codec_cx_pkt_t* pkt = vpx_codec_get_cx_data(&context_, &iter)) {
            if (pkt->kind != VPX_CODEC_CX_FRAME_PKT) continue;
            const auto* data = static_cast<const std::uint8_t*>(pkt->data.frame.buf);
            const bool key = (pkt->data.frame.flags & VPX_FRAME_IS_KEY) != 0;
            auto emitted = emit_packet(*packet_, std::span(data, pkt->data.frame.sz), pkt->data.frame.pts,
                                       pkt->data.frame.pts, static_cast<std::int64_t>(pkt->data.frame.duration),
                                       key, sink);
            if (!emitted) return emitted;
        }
        return {};
    }

    Result<void> control(int id, int value, const char* what) {
        if (vpx_codec_control_(&context_, id, value) != VPX_CODEC_OK) return failure(fmt::format("set {}", what));
        return {};
    }

    std::unexpected<Error> failure(const std::string& what) {
        const char* detail = open_ ? vpx_codec_error_detail(&context_) : nullptr;
        return fail(Errc::codec, fmt::format("{} {}: {}{}{}", name(), what,
                                             open_ ? vpx_codec_error(&context_) : "failed",
                                             detail != nullptr ? " — " : "", detail != nullptr ? detail : ""));
    }

    bool vp9_;
    PacketPtr packet_;
    vpx_codec_ctx_t context_{};
    bool open_ = false;
    BlockGrid grid_;
    std::vector<unsigned char> active_;
};

} // namespace

Result<std::unique_ptr<VideoEncoder::Backend>> make_vpx_backend(const VideoEncoderOptions& options,
                                                                AVCodecParameters& parameters) {
    const bool vp9 = options.codec == VideoCodec::vp9;
    auto packet = make_packet();
    if (!packet) return std::unexpected(packet.error());
    auto backend = std::make_unique<VpxBackend>(vp9, std::move(*packet));
    if (auto opened = backend->open(options); !opened) return std::unexpected(opened.error());
    parameters.codec_id = vp9 ? AV_CODEC_ID_VP9 : AV_CODEC_ID_VP8;
    if (vp9) parameters.profile = 0;   // 8-bit 4:2:0
    return std::unique_ptr<VideoEncoder::Backend>(std::move(backend));
}

} // namespace tafel::transcode
