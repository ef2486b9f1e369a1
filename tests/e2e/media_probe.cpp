#include "media_probe.hpp"

#include "child_process.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <fmt/format.h>

namespace tafel::test {

bool ProbedFile::has(const std::string& type, const std::string& codec) const {
    for (const auto& s : streams) {
        if (s.codec_type == type && s.codec_name == codec) return true;
    }
    return false;
}

ProbedFile probe(const std::filesystem::path& file) {
    const auto r = run_command({"ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json",
                                file.string()});
    ProbedFile out;
    if (r.status != 0) return out;
    const auto doc = nlohmann::json::parse(r.out, nullptr, false);
    if (doc.is_discarded()) return out;
    out.duration_s = std::stod(doc["format"].value("duration", "0"));
    for (const auto& s : doc["streams"]) {
        out.streams.push_back(ProbedStream{s.value("codec_type", ""), s.value("codec_name", ""),
                                           s.value("width", 0), s.value("height", 0)});
    }
    return out;
}

std::vector<std::uint8_t> frame_rgb_at(const std::filesystem::path& file, std::int64_t t_ms, int width,
                                       int height) {
    // -ss after -i: decode from the start and drop frames before t, so the frame is exactly the
    // one shown at t, not the nearest keyframe.
    const auto r = run_command({"ffmpeg", "-v", "error", "-i", file.string(), "-ss",
                                fmt::format("{}.{:03}", t_ms / 1000, t_ms % 1000), "-frames:v", "1", "-f",
                                "rawvideo", "-pix_fmt", "rgb24", "-"});
    const std::size_t size = static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3;
    if (r.status != 0 || r.out.size() != size) return {};
    return std::vector<std::uint8_t>(r.out.begin(), r.out.end());
}

double audio_rms(const std::filesystem::path& file) {
    const auto r = run_command({"ffmpeg", "-v", "error", "-i", file.string(), "-vn", "-ac", "1", "-ar", "16000",
                                "-f", "s16le", "-"});
    if (r.status != 0 || r.out.size() < 2) return 0;
    double sum = 0;
    const std::size_t n = r.out.size() / 2;
    for (std::size_t i = 0; i < n; ++i) {
        std::int16_t s;
        std::memcpy(&s, r.out.data() + i * 2, 2);
        sum += static_cast<double>(s) * s;
    }
    return std::sqrt(sum / static_cast<double>(n)) / 32768.0;
}

double luma_psnr(const RgbView& frame, int x, int y, int w, int h, const std::uint8_t* reference_argb,
                 int reference_stride) {
    auto luma = [](double r, double g, double b) { return 0.299 * r + 0.587 * g + 0.114 * b; };
    double se = 0;
    for (int row = 0; row < h; ++row) {
        const std::uint8_t* f = frame.pixels + (static_cast<std::size_t>(y + row) * frame.width + x) * 3;
        const std::uint8_t* ref = reference_argb + static_cast<std::size_t>(row) * reference_stride;
        for (int col = 0; col < w; ++col) {
            std::uint32_t word;
            std::memcpy(&word, ref + col * 4, 4);
            const double yr = luma((word >> 16) & 0xff, (word >> 8) & 0xff, word & 0xff);
            const double yf = luma(f[col * 3], f[col * 3 + 1], f[col * 3 + 2]);
            se += (yr - yf) * (yr - yf);
        }
    }
    const double mse = se / (static_cast<double>(w) * h);
    if (mse <= 1e-10) return 99.0;
    return 10.0 * std::log10(255.0 * 255.0 / mse);
}

} // namespace tafel::test
