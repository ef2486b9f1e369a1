#pragma once
// Maps one RTP stream's unwrapped timestamps to lesson time: microseconds since the
// recording's start (recording.json `started_utc_us`). All sync is integer ticks + rescale.
//
// Preferred reference: the stream's RTCP sender reports (RFC 3550 6.4.1), which tie RTP
// timestamps to the sender's NTP wall clock, so audio and video of one sender line up even if
// their packets arrived with different network delays. A least-squares line through every
// plausible report absorbs the drift of the sender's media clock against its wall clock
// (docs/sync.md); reports that go backwards or jump are rejected. Without any, the first
// frame's arrival time (through the recording's ClockAnchor) is the reference.
#include "core/time.hpp"
#include "ingest/track_reader.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace tafel::transcode {

class MediaClock {
public:
    // wall(rtp) = sr.ntp + (rtp - sr.rtp) / clock_rate   (RFC 3550 6.4.1)
    static MediaClock from_sender_report(const ingest::SenderReport& sr, int clock_rate,
                                         WallTime lesson_start);

    // wall(rtp) = anchor.wall(first_arrival) + (rtp - first_rtp) / clock_rate
    static MediaClock from_arrival(ArrivalTime first_arrival, std::int64_t first_rtp_timestamp,
                                   int clock_rate, const ClockAnchor& anchor, WallTime lesson_start);

    // Least-squares fit of wall(rtp) over the reports (of one SSRC, in arrival order) that
    // survive reject_implausible(); one report gives the nominal rate through it.
    // std::nullopt when none survives.
    static std::optional<MediaClock> from_sender_reports(std::span<const ingest::SenderReport> reports, int clock_rate,
                                                         WallTime lesson_start);

    // The reports a fit may use, in arrival order: each must advance both NTP and RTP time
    // past the last accepted one, and agree with it to within 5 ms + 1000 ppm of the elapsed
    // time (a clock runs that far off only when it was stepped, or the report is corrupt).
    static std::vector<ingest::SenderReport> reject_implausible(std::span<const ingest::SenderReport> reports,
                                                                int clock_rate);

    // The sender reports of `ssrc` among `reports` fitted if there are any, else the arrival
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
    // How much faster than nominal the sender's RTP clock runs, in parts per 10^12 of its
    // wall clock (+100 ppm = 100'000'000): a tick lasts (1 - skew) nominal ticks.
    std::int64_t skew_ppt() const { return skew_ppt_; }

private:
    MediaClock(std::int64_t ref_rtp, std::int64_t ref_lesson_ns, int clock_rate, bool from_sr, std::int64_t skew_ppt = 0)
        : ref_rtp_(ref_rtp), ref_lesson_ns_(ref_lesson_ns), clock_rate_(clock_rate), from_sr_(from_sr),
          skew_ppt_(skew_ppt) {}

    std::int64_t ref_rtp_;
    std::int64_t ref_lesson_ns_; // lesson time of ref_rtp_, in ns (arrival is ns-precise)
    int clock_rate_;
    bool from_sr_;
    std::int64_t skew_ppt_ = 0;  // ns per tick = (1e9 / clock_rate) * (1e12 / (1e12 + skew_ppt))
};

} // namespace tafel::transcode
