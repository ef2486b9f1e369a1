#pragma once
// Test helpers shared by the mux and transcode tests: an independent look at written media
// files through ffprobe (run as a separate process, never used by the product) and through
// the file's own top-level ISO BMFF boxes.
#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace tafel::test {

// Runs a command and returns its standard output.
inline std::string run_command(const std::string& command) {
    struct Closer {
        void operator()(FILE* f) const { pclose(f); }
    };
    std::unique_ptr<FILE, Closer> pipe{popen(command.c_str(), "r")};
    std::string out;
    if (!pipe) return out;
    std::array<char, 4096> buffer{};
    std::size_t n = 0;
    while ((n = fread(buffer.data(), 1, buffer.size(), pipe.get())) > 0) out.append(buffer.data(), n);
    return out;
}

// `ffprobe -v error <args> -of json <file>` parsed; an empty object when ffprobe fails.
inline nlohmann::json ffprobe(const std::filesystem::path& file, const std::string& args) {
    const std::string out = run_command("ffprobe -v error " + args + " -of json '" + file.string() + "'");
    auto parsed = nlohmann::json::parse(out, nullptr, false);
    return parsed.is_discarded() ? nlohmann::json::object() : parsed;
}

inline nlohmann::json ffprobe_streams_and_format(const std::filesystem::path& file) {
    return ffprobe(file, "-show_streams -show_format");
}

// The stream of `kind` ("video"/"audio") in an ffprobe -show_streams answer, or null.
inline nlohmann::json stream_of(const nlohmann::json& probe, const std::string& kind) {
    for (const auto& s : probe.value("streams", nlohmann::json::array())) {
        if (s.value("codec_type", "") == kind) return s;
    }
    return nullptr;
}

// Decoded video frames as (key_frame, pts_time) of the first video stream.
struct ProbedFrame {
    bool key = false;
    double pts_s = 0;
};
inline std::vector<ProbedFrame> video_frames(const std::filesystem::path& file) {
    const auto probe = ffprobe(file, "-select_streams v -show_frames -show_entries frame=key_frame,pts_time");
    std::vector<ProbedFrame> frames;
    for (const auto& f : probe.value("frames", nlohmann::json::array())) {
        frames.push_back({f.value("key_frame", 0) == 1, std::stod(f.value("pts_time", "nan"))});
    }
    return frames;
}

// The four-character types of a file's top-level ISO BMFF boxes (ISO/IEC 14496-12 §4.2:
// 32-bit big-endian size incl. header, type; size 1 = 64-bit size follows; 0 = to the end).
inline std::vector<std::string> top_level_boxes(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::vector<std::string> types;
    const auto file_size = static_cast<std::uint64_t>(std::filesystem::file_size(file));
    std::uint64_t offset = 0;
    while (offset + 8 <= file_size) {
        std::array<unsigned char, 16> header{};
        in.seekg(static_cast<std::streamoff>(offset));
        in.read(reinterpret_cast<char*>(header.data()), 8);
        if (!in) break;
        std::uint64_t size = (std::uint64_t{header[0]} << 24) | (std::uint64_t{header[1]} << 16) |
                             (std::uint64_t{header[2]} << 8) | header[3];
        types.emplace_back(reinterpret_cast<const char*>(header.data() + 4), 4);
        if (size == 1) {
            in.read(reinterpret_cast<char*>(header.data() + 8), 8);
            size = 0;
            for (int i = 8; i < 16; ++i) size = (size << 8) | header[static_cast<std::size_t>(i)];
        } else if (size == 0) {
            size = file_size - offset;
        }
        if (size < 8) break;
        offset += size;
    }
    return types;
}

inline std::ptrdiff_t box_position(const std::vector<std::string>& boxes, const std::string& type) {
    for (std::size_t i = 0; i < boxes.size(); ++i) {
        if (boxes[i] == type) return static_cast<std::ptrdiff_t>(i);
    }
    return -1;
}

} // namespace tafel::test
