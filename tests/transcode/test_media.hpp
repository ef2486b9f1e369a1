#pragma once
// Inputs the transcode tests build themselves: VP8 frames (libvpx), Opus packets (libopus),
// PDF decks (Cairo), and a TrackReader fake that serves frames from memory.
#include "ingest/track_reader.hpp"
#include "transcode/argb_image.hpp"
#include "tests/support/temp_dir.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace tafel::transcode::test {

struct Yuv {
    std::uint8_t y, u, v;
};

// `count` VP8 frames of a solid colour at width x height, the first a keyframe (and every
// `keyframe_every`-th after it when > 0).
std::vector<std::vector<std::uint8_t>> encode_vp8(int width, int height, int count, Yuv colour,
                                                  int keyframe_every = 0);

// 20 ms Opus packets (960 samples at 48 kHz) of a sine `hz` at `amplitude`, `channels` 1 or 2.
std::vector<std::vector<std::uint8_t>> encode_opus_sine(int packets, double hz, double amplitude, int channels = 2);

// A PDF of `colours.size()` pages of width_pt x height_pt, page i filled with colours[i]
// (0xRRGGBB) and a black label "Seite i" in its top-left quarter.
void write_pdf(const std::filesystem::path& file, const std::vector<std::uint32_t>& colours, double width_pt = 800,
               double height_pt = 600);

// Serves prepared frames and sender reports, as TrackReader::open would from a pcap.
class FakeTrackReader : public ingest::TrackReader {
public:
    FakeTrackReader(std::vector<ingest::EncodedFrame> frames, std::vector<ingest::SenderReport> reports)
        : frames_(std::move(frames)), reports_(std::move(reports)) {}

    Result<std::optional<ingest::EncodedFrame>> next() override {
        if (pos_ >= frames_.size()) return std::optional<ingest::EncodedFrame>();
        ++stats_.frames;
        return std::optional<ingest::EncodedFrame>(frames_[pos_++]);
    }
    const std::vector<ingest::SenderReport>& sender_reports() const override { return reports_; }
    const ingest::TrackStats& stats() const override { return stats_; }

private:
    std::vector<ingest::EncodedFrame> frames_;
    std::vector<ingest::SenderReport> reports_;
    std::size_t pos_ = 0;
    ingest::TrackStats stats_;
};

// Red, green, blue components of an ARGB32 word.
inline int red(std::uint32_t argb) { return static_cast<int>((argb >> 16) & 0xff); }
inline int green(std::uint32_t argb) { return static_cast<int>((argb >> 8) & 0xff); }
inline int blue(std::uint32_t argb) { return static_cast<int>(argb & 0xff); }
// True when every component of `argb` is within `tolerance` of `rgb` (0xRRGGBB).
bool near_rgb(std::uint32_t argb, std::uint32_t rgb, int tolerance = 3);

// The shared scratch folder (tests/support), as the transcode tests name it.
using tafel::test::TempDir;

} // namespace tafel::transcode::test
