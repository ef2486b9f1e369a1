#pragma once
// Maps one RTP stream's unwrapped timestamps to lesson time: microseconds since the
// recording's start (recording.json `started_utc_us`). All sync is integer ticks + rescale.
//
// Preferred reference: the stream's first RTCP sender report (RFC 3550 6.4.1), which ties
// an RTP timestamp to the sender's NTP wall clock, so audio and video of one sender line up
// even if their packets arrived with different network delays. Without one, the first
// frame's arrival time (through the recording's ClockAnchor) is the reference.
#include "core/time.hpp"
#include "ingest/track_reader.hpp"

#include <cstdint>
#include <optional>
#include <span>

namespace tafel::transcode {

class MediaClock {
public:
    // wall(rtp) = sr.ntp + (rtp - sr.rtp) / clock_rate   (RFC 3550 6.4.1)
    static MediaClock from_sender_report(const ingest::SenderReport& sr, int clock_rate,
                                         WallTime lesson_start);

    // wall(rtp) = anchor.wall(first_arrival) + (rtp - first_rtp) / clock_rate
    static MediaClock from_arrival(ArrivalTime first_arrival, std::int64_t first_rtp_timestamp,
                                   int clock_rate, const ClockAnchor& anchor, WallTime lesson_start);

    // The first sender report of `ssrc` among `reports` if there is one, else the arrival
    // of the stream's first frame.
    static MediaClock for_stream(std::uint32_t ssrc, ArrivalTime first_arrival,
                                 std::int64_t first_rtp_timestamp, int clock_rate,
                                 std::span<const ingest::SenderReport> reports,
                                 const ClockAnchor& anchor, WallTime lesson_start);

    // Lesson time in µs (may be negative: before the recording started).
    std::int64_t lesson_us(std::int64_t rtp_timestamp) const;
    // Lesson time in samples of `rate` Hz (e.g. 48000 for the audio timeline), rounded.
    std::int64_t lesson_ticks(std::int64_t rtp_timestamp, Rational timebase) const;

    bool from_sender_report() const { return from_sr_; }
    int clock_rate() const { return clock_rate_; }

private:
    MediaClock(std::int64_t ref_rtp, std::int64_t ref_lesson_ns, int clock_rate, bool from_sr)
        : ref_rtp_(ref_rtp), ref_lesson_ns_(ref_lesson_ns), clock_rate_(clock_rate), from_sr_(from_sr) {}

    std::int64_t ref_rtp_;
    std::int64_t ref_lesson_ns_; // lesson time of ref_rtp_, in ns (arrival is ns-precise)
    int clock_rate_;
    bool from_sr_;
};

} // namespace tafel::transcode
