#pragma once
// Flash-to-beep measurement on a rendered lesson file, through the ffmpeg program as an
// independent checker (it never took part in making the file): the mean luma of the
// webcam's area in every video frame with its presentation time (signalstats), and the
// audio decoded to mono 48 kHz on the same timeline (aresample first_pts=0 pads a late
// audio start with silence instead of shifting it).
#include "transcode/lesson_layout.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tafel::test {

struct AvTrace {
    std::vector<double> frame_s;        // presentation time of each video frame (checker's seconds)
    std::vector<double> luma;           // mean luma of the measured area in that frame
    std::vector<std::int16_t> audio;    // mono, 48 kHz, sample 0 at t = 0
    std::string error;                  // what went wrong running the checker ("" = fine)
};

AvTrace read_av_trace(const std::filesystem::path& file, const transcode::Rect& area, const std::filesystem::path& scratch);

// The first frame in [from_s, to_s) whose area is brighter than `threshold`.
std::optional<double> first_bright_frame_s(const AvTrace& trace, double from_s, double to_s, double threshold);
// The first sample in [from_s, to_s) louder than `threshold` (0..1 of full scale).
std::optional<double> first_loud_sample_s(const AvTrace& trace, double from_s, double to_s, double threshold);

// The middle 60 % of the webcam picture in a render of width x height (the default layout
// scaled), away from its edges where scaling blends in the neighbours.
transcode::Rect webcam_probe_area(int width, int height, int camera_w, int camera_h);

} // namespace tafel::test
