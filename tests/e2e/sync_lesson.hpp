#pragma once
// The A/V-sync lesson, written straight into a raw recording faster than real time: the
// teacher's webcam (VP8, libvpx) turns white and the teacher's microphone (Opus, libopus)
// beeps at 1 kHz at the same capture instant at every marker; both are packetized as RTP
// (RFC 7741, RFC 7587) with RTCP sender reports (RFC 3550 6.4.1) and then pass an impairment
// stage — loss, jitter, reordering — before they are written with their arrival times, as the
// recorder would have stamped them (docs/architecture.md, "Contract: the raw recording").
// The generator keeps the ground truth the tests compare the rendered file against.
#include "samples/sync_markers.hpp"

#include <cstdint>
#include <filesystem>
#include <utility>
#include <vector>

namespace tafel::test {

struct SyncLessonOptions {
    std::int64_t duration_ms = 30'000;
    std::int64_t first_marker_ms = 5'000;    // flash + beep here and every marker_interval_ms after
    std::int64_t marker_interval_ms = 10'000;
    std::int64_t audio_start_ms = 3'000;     // the microphone starts this long after the camera
    double video_loss = 0;                   // share of RTP packets lost, per stream
    double audio_loss = 0;
    std::int64_t network_delay_ms = 20;      // fixed one-way delay
    std::int64_t jitter_ms = 0;              // uniform extra delay 0..jitter_ms per packet
    double reorder_share = 0;                // share of packets that fall behind later ones
    int reorder_max = 0;                     // by at most this many packets
    bool sender_reports = true;              // one SR per stream and second
    std::int64_t video_clock_ppm = 0;        // the camera's RTP clock runs this much fast
    std::vector<std::pair<std::int64_t, std::int64_t>> pauses_ms; // recording_paused … resumed
    int width = 320, height = 180, fps = 15;
    int keyframe_every = 30;                 // frames (flash frames are keyframes as well)
    std::uint32_t seed = 1;
};

// One marker's ground truth, in µs of capture time from the lesson start. Loss may remove
// the first flash frame or beep packet; the first that reached the recorder is what a
// correct renderer can show, so the tests compare against these.
struct SyncMarker {
    std::int64_t at_us = 0;
    std::int64_t first_flash_us = -1; // capture time of the first flash frame all of whose packets arrived
    std::int64_t first_beep_us = -1;  // capture time of the first beep packet that arrived
};

struct SentVideoFrame {
    std::int64_t capture_us = 0;
    std::uint32_t rtp_timestamp = 0;
    bool keyframe = false;
    bool delivered = false; // every packet of it arrived
    std::vector<std::uint8_t> data;
};

struct SyncLesson {
    std::filesystem::path dir; // the raw recording (recording.json, events.jsonl, tracks/)
    std::vector<SyncMarker> markers;
    std::vector<SentVideoFrame> video_frames; // in capture order (data kept only when asked)
    std::uint64_t rtp_packets = 0, lost = 0, reordered = 0;
    int max_reorder_distance = 0; // packets a reordered packet arrived after its successors
};

inline constexpr std::uint8_t k_sync_dark_luma = 40;  // the camera's background
inline constexpr std::uint8_t k_sync_flash_luma = 235; // the flash (video range white)
inline constexpr std::int64_t k_sync_beep_ms = samples::k_marker_beep_ms; // samples/sync_markers.hpp

SyncLesson write_sync_lesson(const std::filesystem::path& raw_root, const SyncLessonOptions& options,
                             bool keep_video_frames = false);

} // namespace tafel::test
