// Issue 5 item 4, measured on the real encoders: a text slide beside a moving webcam tile,
// encoded by OutputSet into WebM (VP9) and MP4 (H.264), decoded again by ffmpeg (a separate
// process) and compared with what went in — the slide area must keep a PSNR of at least
// 38 dB, and the frames in which only the webcam tile moved must cost a small fraction of
// a keyframe (the encoders were told which blocks stood still).
#include "tests/mux/probe.hpp"
#include "tests/support/temp_dir.hpp"
#include "transcode/output_set.hpp"

#include <cairo.h>
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>
#include <cstdio>

namespace {

using tafel::transcode::I420View;
using tafel::transcode::OutputOptions;
using tafel::transcode::OutputSet;
using tafel::transcode::VideoCodec;

constexpr int k_w = 1280, k_h = 720, k_fps = 15;
constexpr int k_slide_w = 960;                 // the default layout's slide area
constexpr int k_cam_x = 960, k_cam_w = 320, k_cam_h = 180;

struct Picture {
    std::vector<std::uint8_t> y = std::vector<std::uint8_t>(k_w * k_h, 16);
    std::vector<std::uint8_t> u = std::vector<std::uint8_t>(k_w * k_h / 4, 128);
    std::vector<std::uint8_t> v = std::vector<std::uint8_t>(k_w * k_h / 4, 128);
    I420View view() const { return {y.data(), u.data(), v.data(), k_w, k_w / 2, k_w / 2}; }
};

// A slide as a teacher makes them: a title, bullet text, a coloured diagram; drawn with
// Cairo and converted to BT.601 limited-range yuv420p into the slide area of `p`.
void draw_slide(Picture& p, int number) {
    cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, k_slide_w, k_h);
    cairo_t* cr = cairo_create(surface);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, 44);
    cairo_set_source_rgb(cr, 0.1, 0.2, 0.5);
    cairo_move_to(cr, 50, 90);
    cairo_show_text(cr, fmt::format("Brüche, Teil {}", number).c_str());
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 26);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    for (int line = 0; line < 8; ++line) {
        cairo_move_to(cr, 70, 170 + line * 44);
        cairo_show_text(cr, fmt::format("• Aufgabe {}: {}/{} + {}/{} = ?", line + 1, line + number, line + 3, number,
                                        line + 5)
                                .c_str());
    }
    cairo_set_source_rgb(cr, 0.9, 0.4, 0.1);
    cairo_arc(cr, 760, 560, 100, 0, 2 * M_PI);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.2, 0.6, 0.3);
    cairo_rectangle(cr, 560 + number * 10, 480, 80, 160);
    cairo_fill(cr);
    cairo_surface_flush(surface);
    const auto* data = cairo_image_surface_get_data(surface);
    const int stride = cairo_image_surface_get_stride(surface);
    for (int row = 0; row < k_h; ++row) {
        for (int col = 0; col < k_slide_w; ++col) {
            const auto* px = data + row * stride + col * 4;   // B, G, R, x (little endian)
            const double b = px[0], g = px[1], r = px[2];
            p.y[row * k_w + col] = static_cast<std::uint8_t>(std::lround(16 + 0.257 * r + 0.504 * g + 0.098 * b));
            if (row % 2 == 0 && col % 2 == 0) {
                const int c = (row / 2) * (k_w / 2) + col / 2;
                p.u[c] = static_cast<std::uint8_t>(std::lround(128 - 0.148 * r - 0.291 * g + 0.439 * b));
                p.v[c] = static_cast<std::uint8_t>(std::lround(128 + 0.439 * r - 0.368 * g - 0.071 * b));
            }
        }
    }
    cairo_destroy(cr);
    cairo_surface_destroy(surface);
}

// The webcam tile: a smooth pattern that moves every frame (a face does not stand still).
void draw_webcam(Picture& p, int frame) {
    for (int row = 0; row < k_cam_h; ++row) {
        for (int col = 0; col < k_cam_w; ++col) {
            const double t = frame * 0.3;
            const double value = 120 + 60 * std::sin((col + frame * 3) * 0.05) * std::cos((row - t * 4) * 0.04);
            p.y[row * k_w + k_cam_x + col] = static_cast<std::uint8_t>(std::clamp(value, 16.0, 235.0));
        }
    }
}

// The slide area's luma PSNR between two 1280x720 luma planes.
double slide_psnr(const std::uint8_t* a, const std::uint8_t* b) {
    double sse = 0;
    for (int row = 0; row < k_h; ++row) {
        for (int col = 0; col < k_slide_w; ++col) {
            const double d = static_cast<double>(a[row * k_w + col]) - static_cast<double>(b[row * k_w + col]);
            sse += d * d;
        }
    }
    const double mse = sse / (k_slide_w * k_h);
    return mse == 0 ? 99.0 : 10 * std::log10(255.0 * 255.0 / mse);
}

// Every frame of the file's video decoded by ffmpeg to yuv420p; only the luma planes kept.
std::vector<std::vector<std::uint8_t>> decoded_luma(const std::filesystem::path& file) {
    const std::string raw = tafel::test::run_command(
        fmt::format("ffmpeg -v error -i '{}' -map 0:v -f rawvideo -pix_fmt yuv420p -", file.string()));
    const std::size_t frame_bytes = k_w * k_h * 3 / 2;
    std::vector<std::vector<std::uint8_t>> frames;
    for (std::size_t off = 0; off + frame_bytes <= raw.size(); off += frame_bytes) {
        frames.emplace_back(raw.begin() + static_cast<std::ptrdiff_t>(off),
                            raw.begin() + static_cast<std::ptrdiff_t>(off + k_w * k_h));
    }
    return frames;
}

// Packet sizes of the first video stream, in decode order, with key flags.
struct PacketInfo {
    std::int64_t size;
    bool key;
};
std::vector<PacketInfo> video_packets(const std::filesystem::path& file) {
    const auto probe = tafel::test::ffprobe(file, "-select_streams v:0 -show_entries packet=size,flags");
    std::vector<PacketInfo> out;
    for (const auto& p : probe.value("packets", nlohmann::json::array())) {
        out.push_back({std::stoll(p.value("size", "0")), p.value("flags", "").find('K') != std::string::npos});
    }
    return out;
}

} // namespace

TEST_CASE("Encoded slides keep a slide-area PSNR of 38 dB, and frames where only the webcam moved cost little",
          "[integration]") {
    const VideoCodec webm_codec = GENERATE(VideoCodec::vp9, VideoCodec::vp8);
    tafel::test::TempDir dir("tafel-encode-quality");
    OutputOptions options;
    options.threads = 2;
    options.audio_only = false;
    options.webm_video = webm_codec;
    auto set = OutputSet::create(dir.path(), options);
    INFO((set ? std::string() : set.error().describe()));
    REQUIRE(set.has_value());

    // 4 s: slide 1, a slide change (forced keyframe) at 2 s, slide 2.
    constexpr int frames = 4 * k_fps, change = 2 * k_fps;
    std::vector<std::vector<std::uint8_t>> sent;
    Picture picture;
    for (int i = 0; i < frames; ++i) {
        if (i == 0) draw_slide(picture, 1);
        if (i == change) draw_slide(picture, 2);
        draw_webcam(picture, i);
        REQUIRE((*set)->write_video(picture.view(), i, i == change).has_value());
        sent.push_back(picture.y);
        std::vector<float> silence(48000 / k_fps * 2, 0.0f);
        REQUIRE((*set)->write_audio(silence, std::int64_t{i} * (48000 / k_fps)).has_value());
    }
    REQUIRE((*set)->finish().has_value());
    const auto stats = (*set)->stats();
    CHECK(stats.frames == frames);
    // The change detector saw only the webcam tile move (20x12 blocks of 80x45) outside the
    // two keyframes.
    CHECK(stats.changed_blocks == 2 * stats.blocks_per_frame + (frames - 2) * 20 * 12);

    for (const auto& file : {dir.path() / "lesson.webm", dir.path() / "lesson.mp4"}) {
        INFO(file);
        const auto decoded = decoded_luma(file);
        REQUIRE(decoded.size() == sent.size());
        double worst = 99;
        for (std::size_t i = 0; i < decoded.size(); ++i) worst = std::min(worst, slide_psnr(decoded[i].data(), sent[i].data()));
        INFO("worst slide-area PSNR " << worst << " dB");
        CHECK(worst >= 38.0);

        const auto packets = video_packets(file);
        REQUIRE(packets.size() == sent.size());
        CHECK(packets[0].key);
        CHECK(packets[change].key);
        std::int64_t key_bytes = 0, delta_bytes = 0, deltas = 0;
        for (const auto& p : packets) {
            if (p.key) {
                key_bytes = std::max(key_bytes, p.size);
            } else {
                delta_bytes += p.size;
                ++deltas;
            }
        }
        REQUIRE(deltas > 0);
        const double delta_mean = static_cast<double>(delta_bytes) / static_cast<double>(deltas);
        INFO("largest keyframe " << key_bytes << " B, mean delta frame " << delta_mean << " B");
        // A delta frame re-codes the 320x180 tile at most, never the slide: far below a keyframe.
        CHECK(delta_mean < 0.15 * static_cast<double>(key_bytes));
        WARN(fmt::format("{}: worst slide PSNR {:.1f} dB, keyframe {} B, mean delta {:.0f} B, file {} B",
                         file.filename().string(), worst, key_bytes, delta_mean, std::filesystem::file_size(file)));
    }
}
