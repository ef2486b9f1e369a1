#include "test_media.hpp"

#include "tests/support/vp8_encoder.hpp"

#include <cairo-pdf.h>
#include <cairo.h>
#include <opus/opus.h>

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <numbers>
#include <stdexcept>

namespace tafel::transcode::test {

namespace {

struct OpusEncoderDeleter {
    void operator()(OpusEncoder* e) const noexcept { opus_encoder_destroy(e); }
};

} // namespace

std::vector<std::vector<std::uint8_t>> encode_vp8(int width, int height, int count, Yuv colour, int keyframe_every) {
    tafel::test::Vp8Encoder encoder(width, height, 30, 800);
    tafel::test::fill(encoder.image, VPX_PLANE_Y, 0, 0, width, height, colour.y);
    tafel::test::fill(encoder.image, VPX_PLANE_U, 0, 0, width, height, colour.u);
    tafel::test::fill(encoder.image, VPX_PLANE_V, 0, 0, width, height, colour.v);
    std::vector<std::vector<std::uint8_t>> frames;
    for (int i = 0; i < count; ++i) {
        const bool key = i == 0 || (keyframe_every > 0 && i % keyframe_every == 0);
        frames.push_back(encoder.encode(i, key));
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

} // namespace tafel::transcode::test
