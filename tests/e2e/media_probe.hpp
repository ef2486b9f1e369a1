#pragma once
// Independent checks of rendered media through the ffprobe and ffmpeg programs (tests may
// use them as peers; the product never does).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace tafel::test {

struct ProbedStream {
    std::string codec_type; // "video" | "audio"
    std::string codec_name; // "vp8", "h264", "opus", "aac"
    int width = 0;
    int height = 0;
};

struct ProbedFile {
    double duration_s = 0;  // ffprobe's format duration (a checker's double, not pipeline time)
    std::vector<ProbedStream> streams;
    bool has(const std::string& type, const std::string& codec) const;
};

ProbedFile probe(const std::filesystem::path& file);

// The decoded frame shown at `t_ms` as packed RGB24, width*height*3 bytes (empty on error).
std::vector<std::uint8_t> frame_rgb_at(const std::filesystem::path& file, std::int64_t t_ms, int width,
                                       int height);

// RMS of the whole audio track, decoded to mono 16-bit at 16 kHz, in 0..1 of full scale.
double audio_rms(const std::filesystem::path& file);

struct RgbView {
    const std::uint8_t* pixels; // packed RGB24
    int width;
    int height;
};

// PSNR in dB of the luma of region (x, y, w, h) of `frame` against `reference` (0xAARRGGBB
// words, the same w x h, stride in bytes). Luma, because 4:2:0 video halves chroma detail by
// design; 99 dB for identical regions.
double luma_psnr(const RgbView& frame, int x, int y, int w, int h, const std::uint8_t* reference_argb,
                 int reference_stride);

} // namespace tafel::test
