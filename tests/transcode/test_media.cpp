#include "test_media.hpp"

#include <cairo-pdf.h>
#include <cairo.h>
#include <opus/opus.h>
#include <vpx/vp8cx.h>
#include <vpx/vpx_encoder.h>

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <numbers>
#include <random>
#include <stdexcept>

namespace tafel::transcode::test {

namespace {

// libvpx's encoder context is a by-value handle: destroyed only if initialised.
class Vp8Encoder {
public:
    Vp8Encoder(int width, int height) {
        vpx_codec_enc_cfg_t cfg;
        if (vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &cfg, 0) != VPX_CODEC_OK) {
            throw std::runtime_error("vpx config");
        }
        cfg.g_w = static_cast<unsigned>(width);
        cfg.g_h = static_cast<unsigned>(height);
        cfg.g_timebase = {1, 30};
        cfg.rc_target_bitrate = 800;
        cfg.g_lag_in_frames = 0;
        cfg.g_threads = 1;
        if (vpx_codec_enc_init(&ctx_, vpx_codec_vp8_cx(), &cfg, 0) != VPX_CODEC_OK) {
            throw std::runtime_error("vpx init");
        }
        if (vpx_img_alloc(&image_, VPX_IMG_FMT_I420, static_cast<unsigned>(width), static_cast<unsigned>(height), 16) ==
            nullptr) {
            vpx_codec_destroy(&ctx_);
            throw std::runtime_error("vpx image");
        }
    }
    ~Vp8Encoder() {
        vpx_img_free(&image_);
        vpx_codec_destroy(&ctx_);
    }
    Vp8Encoder(const Vp8Encoder&) = delete;
    Vp8Encoder& operator=(const Vp8Encoder&) = delete;

    std::vector<std::uint8_t> encode(Yuv c, std::int64_t pts, bool keyframe) {
        const unsigned w = image_.d_w;
        const unsigned h = image_.d_h;
        for (unsigned row = 0; row < h; ++row) {
            std::fill_n(image_.planes[VPX_PLANE_Y] + row * static_cast<unsigned>(image_.stride[VPX_PLANE_Y]), w, c.y);
        }
        for (unsigned row = 0; row < (h + 1) / 2; ++row) {
            std::fill_n(image_.planes[VPX_PLANE_U] + row * static_cast<unsigned>(image_.stride[VPX_PLANE_U]), (w + 1) / 2, c.u);
            std::fill_n(image_.planes[VPX_PLANE_V] + row * static_cast<unsigned>(image_.stride[VPX_PLANE_V]), (w + 1) / 2, c.v);
        }
        const vpx_enc_frame_flags_t flags = keyframe ? VPX_EFLAG_FORCE_KF : 0;
        if (vpx_codec_encode(&ctx_, &image_, pts, 1, flags, VPX_DL_REALTIME) != VPX_CODEC_OK) {
            throw std::runtime_error("vpx encode");
        }
        std::vector<std::uint8_t> out;
        vpx_codec_iter_t iter = nullptr;
        while (const vpx_codec_cx_pkt_t* pkt = vpx_codec_get_cx_data(&ctx_, &iter)) {
            if (pkt->kind != VPX_CODEC_CX_FRAME_PKT) continue;
            const auto* bytes = static_cast<const std::uint8_t*>(pkt->data.frame.buf);
            out.insert(out.end(), bytes, bytes + pkt->data.frame.sz);
        }
        return out;
    }

private:
    vpx_codec_ctx_t ctx_{};
    vpx_image_t image_{};
};

struct OpusEncoderDeleter {
    void operator()(OpusEncoder* e) const noexcept { opus_encoder_destroy(e); }
};

} // namespace

std::vector<std::vector<std::uint8_t>> encode_vp8(int width, int height, int count, Yuv colour, int keyframe_every) {
    Vp8Encoder encoder(width, height);
    std::vector<std::vector<std::uint8_t>> frames;
    for (int i = 0; i < count; ++i) {
        const bool key = i == 0 || (keyframe_every > 0 && i % keyframe_every == 0);
        frames.push_back(encoder.encode(colour, i, key));
    }
    return frames;
}

std::vector<std::vector<std::uint8_t>> encode_opus_sine(int packets, double hz, double amplitude, int channels) {
    int err = 0;
    std::unique_ptr<OpusEncoder, OpusEncoderDeleter> enc(
        opus_encoder_create(48000, channels, OPUS_APPLICATION_AUDIO, &err));
    if (err != OPUS_OK) throw std::runtime_error("opus_encoder_create");
    opus_encoder_ctl(enc.get(), OPUS_SET_BITRATE(96000));
    std::vector<std::vector<std::uint8_t>> out;
    std::vector<float> pcm(960 * static_cast<std::size_t>(channels));
    std::int64_t n = 0;
    for (int p = 0; p < packets; ++p) {
        for (int i = 0; i < 960; ++i, ++n) {
            const auto v = static_cast<float>(amplitude * std::sin(2 * std::numbers::pi * hz * static_cast<double>(n) / 48000.0));
            for (int c = 0; c < channels; ++c) pcm[static_cast<std::size_t>(i * channels + c)] = v;
        }
        std::vector<std::uint8_t> packet(4000);
        const int bytes = opus_encode_float(enc.get(), pcm.data(), 960, packet.data(), static_cast<opus_int32>(packet.size()));
        if (bytes < 0) throw std::runtime_error("opus_encode_float");
        packet.resize(static_cast<std::size_t>(bytes));
        out.push_back(std::move(packet));
    }
    return out;
}

void write_pdf(const std::filesystem::path& file, const std::vector<std::uint32_t>& colours, double width_pt,
               double height_pt) {
    cairo_surface_t* surface = cairo_pdf_surface_create(file.c_str(), width_pt, height_pt);
    cairo_t* cr = cairo_create(surface);
    for (std::size_t i = 0; i < colours.size(); ++i) {
        const std::uint32_t c = colours[i];
        cairo_set_source_rgb(cr, ((c >> 16) & 0xff) / 255.0, ((c >> 8) & 0xff) / 255.0, (c & 0xff) / 255.0);
        cairo_paint(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_select_font_face(cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
        cairo_set_font_size(cr, height_pt / 10);
        cairo_move_to(cr, width_pt / 20, height_pt / 5);
        const std::string label = fmt::format("Seite {}", i + 1);
        cairo_show_text(cr, label.c_str());
        cairo_show_page(cr);
    }
    cairo_destroy(cr);
    cairo_surface_finish(surface);
    const bool ok = cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS;
    cairo_surface_destroy(surface);
    if (!ok) throw std::runtime_error("cairo pdf " + file.string());
}

bool near_rgb(std::uint32_t argb, std::uint32_t rgb, int tolerance) {
    return std::abs(red(argb) - static_cast<int>((rgb >> 16) & 0xff)) <= tolerance &&
           std::abs(green(argb) - static_cast<int>((rgb >> 8) & 0xff)) <= tolerance &&
           std::abs(blue(argb) - static_cast<int>(rgb & 0xff)) <= tolerance;
}

TempDir::TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / fmt::format("tafel-transcode-test-{:08x}{:08x}", rd(), rd());
    std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

} // namespace tafel::transcode::test
