#include "tests/support/vp8_encoder.hpp"

#include <vpx/vp8cx.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace tafel::test {
namespace {

void check(bool ok, const std::string& what) {
    if (!ok) throw std::runtime_error("vp8 encoder: " + what);
}

} // namespace

Vp8Encoder::Vp8Encoder(int width, int height, int fps, unsigned kbps) {
    vpx_codec_enc_cfg_t cfg;
    check(vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &cfg, 0) == VPX_CODEC_OK, "vpx config");
    cfg.g_w = static_cast<unsigned>(width);
    cfg.g_h = static_cast<unsigned>(height);
    cfg.g_timebase = {1, fps};
    cfg.rc_target_bitrate = kbps;
    cfg.rc_end_usage = VPX_CBR; // what a browser's WebRTC sender does
    cfg.g_lag_in_frames = 0;
    cfg.g_threads = 1;             // the same bytes on every run
    cfg.kf_mode = VPX_KF_DISABLED; // keyframes exactly where asked (as a PLI would ask)
    check(vpx_codec_enc_init(&ctx_, vpx_codec_vp8_cx(), &cfg, 0) == VPX_CODEC_OK, "vpx init");
    vpx_codec_control(&ctx_, VP8E_SET_CPUUSED, 16); // realtime speed, like a browser
    if (vpx_img_alloc(&image, VPX_IMG_FMT_I420, static_cast<unsigned>(width), static_cast<unsigned>(height), 16) ==
        nullptr) {
        vpx_codec_destroy(&ctx_);
        check(false, "vpx image");
    }
}

Vp8Encoder::~Vp8Encoder() {
    vpx_img_free(&image);
    vpx_codec_destroy(&ctx_);
}

std::vector<std::uint8_t> Vp8Encoder::encode(std::int64_t pts, bool keyframe) {
    check(vpx_codec_encode(&ctx_, &image, pts, 1, keyframe ? VPX_EFLAG_FORCE_KF : 0, VPX_DL_REALTIME) == VPX_CODEC_OK,
          "vpx encode");
    std::vector<std::uint8_t> out;
    vpx_codec_iter_t iter = nullptr;
    while (const vpx_codec_cx_pkt_t* pkt = vpx_codec_get_cx_data(&ctx_, &iter)) {
        if (pkt->kind != VPX_CODEC_CX_FRAME_PKT) continue;
        const auto* bytes = static_cast<const std::uint8_t*>(pkt->data.frame.buf);
        out.insert(out.end(), bytes, bytes + pkt->data.frame.sz);
    }
    return out;
}

void fill(vpx_image_t& img, int plane, int x0, int y0, int w, int h, std::uint8_t v) {
    const int sub = plane == 0 ? 0 : 1; // I420: chroma planes are half size both ways
    const int pw = static_cast<int>(img.d_w + sub) >> sub, ph = static_cast<int>(img.d_h + sub) >> sub;
    x0 >>= sub, y0 >>= sub, w >>= sub, h >>= sub;
    for (int y = std::max(0, y0); y < std::min(ph, y0 + h); ++y) {
        std::uint8_t* row = img.planes[plane] + static_cast<std::ptrdiff_t>(y) * img.stride[plane];
        const int from = std::max(0, x0), to = std::min(pw, x0 + w);
        if (to > from) std::memset(row + from, v, static_cast<std::size_t>(to - from));
    }
}

} // namespace tafel::test
