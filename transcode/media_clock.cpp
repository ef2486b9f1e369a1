#include "transcode/media_clock.hpp"

namespace tafel::transcode {

MediaClock MediaClock::from_sender_report(const ingest::SenderReport& sr, int clock_rate,
                                          WallTime lesson_start) {
    const std::int64_t lesson_ns = (sr.ntp_time.utc_us - lesson_start.utc_us) * 1000;
    return MediaClock(sr.rtp_timestamp, lesson_ns, clock_rate, true);
}

MediaClock MediaClock::from_arrival(ArrivalTime first_arrival, std::int64_t first_rtp_timestamp,
                                    int clock_rate, const ClockAnchor& anchor, WallTime lesson_start) {
    const std::int64_t lesson_ns = anchor.wall_ns(first_arrival) - lesson_start.utc_us * 1000;
    return MediaClock(first_rtp_timestamp, lesson_ns, clock_rate, false);
}

MediaClock MediaClock::for_stream(std::uint32_t ssrc, ArrivalTime first_arrival,
                                  std::int64_t first_rtp_timestamp, int clock_rate,
                                  std::span<const ingest::SenderReport> reports,
                                  const ClockAnchor& anchor, WallTime lesson_start) {
    for (const auto& sr : reports) {
        if (sr.ssrc == ssrc) return from_sender_report(sr, clock_rate, lesson_start);
    }
    return from_arrival(first_arrival, first_rtp_timestamp, clock_rate, anchor, lesson_start);
}

std::int64_t MediaClock::lesson_us(std::int64_t rtp_timestamp) const {
    return lesson_ticks(rtp_timestamp, k_timebase_us);
}

std::int64_t MediaClock::lesson_ticks(std::int64_t rtp_timestamp, Rational timebase) const {
    // Both terms go to ns first (exact for the reference, rounded once for the RTP delta),
    // then one rounding into the requested timebase.
    const Rational rtp_tb{1, clock_rate_ > 0 ? clock_rate_ : 1};
    const std::int64_t delta_ns = rescale(rtp_timestamp - ref_rtp_, rtp_tb, k_timebase_ns);
    return rescale(ref_lesson_ns_ + delta_ns, k_timebase_ns, timebase);
}

} // namespace tafel::transcode
