#include "sync_measure.hpp"

#include "child_process.hpp"

#include <fmt/format.h>

#include <fstream>
#include <iterator>
#include <sstream>

namespace tafel::test {

transcode::Rect webcam_probe_area(int width, int height, int camera_w, int camera_h) {
    const auto layout = transcode::LessonLayout::for_size(width, height);
    const transcode::Rect cam = transcode::fit_keep_aspect(layout.webcam, camera_w, camera_h);
    return {cam.x + cam.w / 5, cam.y + cam.h / 5, cam.w * 3 / 5, cam.h * 3 / 5};
}

AvTrace read_av_trace(const std::filesystem::path& file, const transcode::Rect& area, const std::filesystem::path& scratch) {
    AvTrace t;
    const auto meta = scratch / (file.filename().string() + ".luma.txt");
    const auto pcm = scratch / (file.filename().string() + ".s16");
    const auto v = run_command({"ffmpeg", "-v", "error", "-nostdin", "-i", file.string(), "-map", "0:v:0", "-vf",
                                fmt::format("crop={}:{}:{}:{},signalstats,metadata=print:key=lavfi.signalstats.YAVG:file={}",
                                            area.w, area.h, area.x, area.y, meta.string()),
                                "-f", "null", "-"});
    if (v.status != 0) {
        t.error = fmt::format("ffmpeg (video of {}) exited with {}", file.string(), v.status);
        return t;
    }
    std::ifstream in(meta);
    std::string line;
    while (std::getline(in, line)) {
        if (auto p = line.find("pts_time:"); p != std::string::npos) {
            t.frame_s.push_back(std::stod(line.substr(p + 9)));
        } else if (auto q = line.find("YAVG="); q != std::string::npos) {
            t.luma.push_back(std::stod(line.substr(q + 5)));
        }
    }
    if (t.frame_s.size() != t.luma.size() || t.frame_s.empty()) {
        t.error = fmt::format("{}: {} frame times but {} luma values", meta.string(), t.frame_s.size(), t.luma.size());
        return t;
    }
    const auto a = run_command({"ffmpeg", "-v", "error", "-nostdin", "-i", file.string(), "-map", "0:a:0", "-af",
                                "aresample=async=1:first_pts=0", "-ac", "1", "-ar", "48000", "-f", "s16le", "-acodec",
                                "pcm_s16le", "-y", pcm.string()});
    if (a.status != 0) {
        t.error = fmt::format("ffmpeg (audio of {}) exited with {}", file.string(), a.status);
        return t;
    }
    std::ifstream pin(pcm, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(pin)), std::istreambuf_iterator<char>());
    t.audio.resize(bytes.size() / 2);
    for (std::size_t i = 0; i < t.audio.size(); ++i) {
        t.audio[i] = static_cast<std::int16_t>(static_cast<std::uint8_t>(bytes[2 * i]) |
                                               (static_cast<std::uint8_t>(bytes[2 * i + 1]) << 8));
    }
    std::filesystem::remove(meta);
    std::filesystem::remove(pcm);
    return t;
}

std::optional<double> first_bright_frame_s(const AvTrace& trace, double from_s, double to_s, double threshold) {
    for (std::size_t i = 0; i < trace.frame_s.size(); ++i) {
        if (trace.frame_s[i] >= from_s && trace.frame_s[i] < to_s && trace.luma[i] > threshold) return trace.frame_s[i];
    }
    return std::nullopt;
}

std::optional<double> first_loud_sample_s(const AvTrace& trace, double from_s, double to_s, double threshold) {
    const auto from = static_cast<std::size_t>(std::max(0.0, from_s) * 48'000);
    const auto to = std::min(trace.audio.size(), static_cast<std::size_t>(std::max(0.0, to_s) * 48'000));
    const int level = static_cast<int>(threshold * 32767);
    for (std::size_t i = from; i < to; ++i) {
        if (std::abs(static_cast<int>(trace.audio[i])) > level) return static_cast<double>(i) / 48'000.0;
    }
    return std::nullopt;
}

} // namespace tafel::test
