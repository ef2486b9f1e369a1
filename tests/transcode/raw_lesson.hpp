#pragma once
// Raw recordings for the render tests, written the way the recorder writes them (RTP and
// RTCP in pcaps, recording.json, events.jsonl), and probes of the rendered files through
// the ffmpeg/ffprobe CLIs (tests may shell out; the product never does).
#include "core/time.hpp"
#include "ingest/raw_recording.hpp"
#include "transcode/argb_image.hpp"

#include "test_media.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace tafel::transcode::test {

inline constexpr std::int64_t k_start_us = 1'700'000'000'000'000;
inline const ClockAnchor k_anchor{ArrivalTime{10'000'000'000}, WallTime{k_start_us}};

ArrivalTime arrival_at(std::int64_t lesson_us);

// VP8 frames at `fps` starting at lesson 0 (RFC 7741 descriptor), with an SR placing ts0 at the start.
void write_vp8_frames(const std::filesystem::path& dir, const std::string& id, std::uint16_t port, std::uint32_t ssrc,
                      const std::vector<std::vector<std::uint8_t>>& frames, int fps, std::int64_t network_delay_us = 0);
// A sine of `hz` at amplitude 0.3 as 20 ms Opus packets over [from_us, to_us).
void write_opus_track(const std::filesystem::path& dir, const std::string& id, std::uint16_t port, std::uint32_t ssrc,
                      double hz, std::int64_t from_us, std::int64_t to_us);
ingest::TrackInfo track(std::string id, ingest::MediaKind kind, std::string participant, std::uint16_t port);

// Appends events (each gets "t_us" = start + lesson_us) to events.jsonl.
void append_event(const std::filesystem::path& dir, std::int64_t lesson_us, nlohmann::json event);

std::string run(const std::string& command);
nlohmann::json ffprobe(const std::filesystem::path& file);
// One decoded 1280x720 frame at `seconds` as BGRA.
std::string frame_at(const std::filesystem::path& file, double seconds);
std::uint32_t pixel(const std::string& bgra, int x, int y);
// PSNR of the frame's area at (x0, y0) of the image's size against `image`.
double slide_psnr(const std::string& bgra, const ArgbImage& slide, int x0 = 0, int y0 = 0);
// The decoded audio as interleaved stereo float at 48 kHz.
std::vector<float> decode_audio(const std::filesystem::path& file);
// Goertzel amplitude of `hz` in the left channel of [from_s, to_s).
double tone_level(const std::vector<float>& pcm, double hz, double from_s, double to_s);
// A stream's duration from ffprobe: MP4 states it, Matroska only as a "DURATION" tag.
double stream_seconds(const nlohmann::json& stream);

} // namespace tafel::transcode::test
