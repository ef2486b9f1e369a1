#pragma once
// Reads one track of a raw recording back as media: the pcap's RTP packets reordered within a
// window, de-duplicated, sequence numbers and timestamps unwrapped to int64, depacketized
// into whole encoded frames; and the RTCP sender reports beside them (for lip-sync).
#include "core/error.hpp"
#include "core/time.hpp"
#include "ingest/raw_recording.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

namespace tafel::ingest {

// One whole encoded frame (VP8/VP9 frame, H.264 access unit in Annex B form, or Opus packet)
// as a decoder wants it.
struct EncodedFrame {
    std::uint32_t ssrc = 0;
    std::int64_t rtp_timestamp = 0;  // unwrapped to int64, track clock rate
    std::int64_t duration_ticks = 0; // audio: the packet's duration from its TOC; video: 0 (unknown)
    ArrivalTime arrival;             // arrival of the frame's last packet
    bool keyframe = false;           // video: a frame a decoder can start at
    std::vector<std::uint8_t> data;
};

// RFC 3550 6.4.1: maps the sender's RTP clock to its NTP wall clock.
struct SenderReport {
    std::uint32_t ssrc = 0;
    WallTime ntp_time;              // the report's NTP timestamp as UTC
    std::int64_t rtp_timestamp = 0; // unwrapped on the same axis as the frames' timestamps
    ArrivalTime arrival;
};

struct TrackStats {
    std::uint64_t packets = 0;
    std::uint64_t rtcp_packets = 0;
    std::uint64_t malformed = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t lost = 0;            // sequence numbers never seen
    std::uint64_t frames = 0;
    std::uint64_t frames_dropped = 0;  // incomplete, or waiting for a keyframe after loss
    std::uint64_t late = 0;            // arrived after the reorder window had moved on
    std::uint64_t other_payload_type = 0;  // RTP of another payload type on the port (RTX, FEC)
    std::uint64_t other_ssrc = 0;      // RTP of a second source: a track is one SSRC
};

class TrackReader {
public:
    virtual ~TrackReader() = default;

    // The next frame in decode order, std::nullopt at the end of the track. Malformed or
    // incomplete input is skipped and counted, never returned.
    virtual Result<std::optional<EncodedFrame>> next() = 0;

    // Every sender report of the track, in arrival order. Complete only after next() has
    // returned std::nullopt (the reader reads the file once).
    virtual const std::vector<SenderReport>& sender_reports() const = 0;

    virtual const TrackStats& stats() const = 0;

    // Opens `<recording_dir>/<track.file>` (or its `.tmp` if the recording was not closed).
    static Result<std::unique_ptr<TrackReader>> open(const std::filesystem::path& recording_dir,
                                                     const TrackInfo& track,
                                                     const ClockAnchor& anchor);
};

} // namespace tafel::ingest
