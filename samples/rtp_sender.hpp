#pragma once
// Real RTP + RTCP senders for the lesson simulator: one in-process GStreamer pipeline (one
// clock, all streams start together) with an rtpbin session per stream, so that RTCP sender
// reports with wall-clock NTP times go out beside the media (RFC 3550 section 6.4.1). RTP and
// RTCP of a stream leave through one UDP socket to one port (rtcp-mux, RFC 5761).
#include "core/error.hpp"
#include "samples/sync_markers.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tafel::samples {

inline constexpr int k_vp8_payload_type = 96;
inline constexpr int k_vp8_clock_rate = 90'000;
inline constexpr int k_opus_payload_type = 111;
inline constexpr int k_opus_clock_rate = 48'000; // RFC 7587 section 4.1: always 48000
inline constexpr int k_opus_channels = 2;

struct SenderStream {
    enum class Kind { video, audio };
    Kind kind = Kind::video;
    std::uint16_t port = 0; // destination UDP port for RTP and RTCP
    // video: 640x360 15 fps VP8 (~600 kb/s) of a yellow ball moving over dark blue, with the
    //        label and a running clock;
    // audio: 48 kHz stereo Opus of 300 ms tone bursts at tone_hz, one every second, starting
    //        at every full second.
    // Times are the pipeline's running time from start(), the streams' common capture clock.
    int tone_hz = 440;
    std::string label; // drawn into the video ("Frau Müller"); unused for audio
    // Carries the A/V-sync markers (RtpSenderOptions::markers): video turns white for
    // k_marker_flash_ms, audio beeps at 1 kHz for k_marker_beep_ms at each marker instant.
    // Every audio stream, marked or not, is silent around a marker except for the beep.
    bool marked = false;
};

struct RtpSenderOptions {
    std::string host = "127.0.0.1";
    std::vector<SenderStream> streams;
    // RFC 3550 section 6.2 recommends 5 s; a shorter minimum gives a receiver its first
    // sender report (and so its A/V sync) within about a second.
    std::chrono::milliseconds rtcp_min_interval{1000};
    // When the marked streams flash and beep (samples/sync_markers.hpp); none by default.
    MarkerSchedule markers{0, 0};
};

class RtpSender {
public:
    // Builds the pipeline (nothing is sent yet). Fails when a GStreamer element is missing.
    static Result<RtpSender> create(const RtpSenderOptions& options);

    RtpSender(RtpSender&&) noexcept;
    RtpSender& operator=(RtpSender&&) noexcept;
    ~RtpSender(); // sets the pipeline to NULL without waiting for EOS

    // Starts every stream at once.
    Result<void> start();
    // An error that a pipeline element posted since start (e.g. a failed send), if any.
    Result<void> check();
    // Ends the streams cleanly: EOS (rtpbin sends RTCP BYE), waits for it up to `timeout`,
    // then stops the pipeline. Calling it again is a no-op.
    Result<void> stop(std::chrono::milliseconds timeout = std::chrono::seconds(5));

    // The gst-launch style description of the pipeline, for logs.
    const std::string& description() const noexcept;

private:
    struct Impl;
    explicit RtpSender(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace tafel::samples
