#include "transcode/media_clock.hpp"

#include <cmath>

namespace tafel::transcode {

namespace {

constexpr std::int64_t k_ppt = 1'000'000'000'000;   // parts per 10^12

std::int64_t nominal_ns(std::int64_t ticks, int clock_rate) {
    return rescale(ticks, Rational{1, clock_rate > 0 ? clock_rate : 1}, k_timebase_ns);
}

} // namespace

MediaClock MediaClock::from_sender_report(const ingest::SenderReport& sr, int clock_rate,
                                          WallTime lesson_start) {
    const std::int64_t lesson_ns = (sr.ntp_time.utc_us - lesson_start.utc_us) * 1000;
    return MediaClock(sr.rtp_timestamp, lesson_ns, clock_rate, true);
}

std::vector<ingest::SenderReport> MediaClock::reject_implausible(std::span<const ingest::SenderReport> reports,
                                                                 int clock_rate) {
    std::vector<ingest::SenderReport> kept;
    for (const auto& sr : reports) {
        if (!kept.empty()) {
            const auto& last = kept.back();
            const std::int64_t wall_ns = (sr.ntp_time.utc_us - last.ntp_time.utc_us) * 1000;
            const std::int64_t media_ns = nominal_ns(sr.rtp_timestamp - last.rtp_timestamp, clock_rate);
            if (wall_ns <= 0 || media_ns <= 0) continue;   // backwards, or a repeated report
            const std::int64_t tolerance_ns = 5'000'000 + wall_ns / 1000;
            if (std::llabs(wall_ns - media_ns) > tolerance_ns) continue;   // a jump
        }
        kept.push_back(sr);
    }
    return kept;
}

std::optional<MediaClock> MediaClock::from_sender_reports(std::span<const ingest::SenderReport> reports, int clock_rate,
                                                          WallTime lesson_start) {
    const auto kept = reject_implausible(reports, clock_rate);
    if (kept.empty()) return std::nullopt;
    if (kept.size() == 1) return from_sender_report(kept.front(), clock_rate, lesson_start);
    // Ordinary least squares of y = wall ns against x = nominal media ns, both relative to the
    // first report so that the sums stay small; long double keeps 64 bits of mantissa, and a
    // lesson's x and y (< 2^45 ns for 9 h) squared and summed fit without rounding trouble.
    const auto& r0 = kept.front();
    long double sx = 0, sy = 0;
    for (const auto& sr : kept) {
        sx += static_cast<long double>(nominal_ns(sr.rtp_timestamp - r0.rtp_timestamp, clock_rate));
        sy += static_cast<long double>((sr.ntp_time.utc_us - r0.ntp_time.utc_us) * 1000);
    }
    const auto n = static_cast<long double>(kept.size());
    const long double mx = sx / n, my = sy / n;
    long double sxx = 0, sxy = 0;
    for (const auto& sr : kept) {
        const long double dx = static_cast<long double>(nominal_ns(sr.rtp_timestamp - r0.rtp_timestamp, clock_rate)) - mx;
        const long double dy = static_cast<long double>((sr.ntp_time.utc_us - r0.ntp_time.utc_us) * 1000) - my;
        sxx += dx * dx;
        sxy += dx * dy;
    }
    if (sxx <= 0) return from_sender_report(kept.front(), clock_rate, lesson_start);
    const long double slope = sxy / sxx;   // wall ns per nominal media ns, 1 - skew
    // The line through the mean, anchored at the first report's RTP time.
    const long double wall_at_r0 = my - slope * mx;
    const std::int64_t ref_lesson_ns =
        (r0.ntp_time.utc_us - lesson_start.utc_us) * 1000 + static_cast<std::int64_t>(std::llround(wall_at_r0));
    // slope = 1e12 / (1e12 + skew)  ⇒  skew = 1e12 / slope − 1e12.
    const auto skew = static_cast<std::int64_t>(std::llround(static_cast<long double>(k_ppt) / slope - k_ppt));
    // Accepted reports agree to 1000 ppm pairwise; a fitted skew beyond 1 % means a
    // degenerate fit (all reports within milliseconds): the first report alone is safer.
    if (std::llabs(skew) > k_ppt / 100) return from_sender_report(kept.front(), clock_rate, lesson_start);
    return MediaClock(r0.rtp_timestamp, ref_lesson_ns, clock_rate, true, skew);
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
    std::vector<ingest::SenderReport> own;
    for (const auto& sr : reports) {
        if (sr.ssrc == ssrc) own.push_back(sr);
    }
    if (auto fitted = from_sender_reports(own, clock_rate, lesson_start)) return *fitted;
    return from_arrival(first_arrival, first_rtp_timestamp, clock_rate, anchor, lesson_start);
}

std::int64_t MediaClock::lesson_us(std::int64_t rtp_timestamp) const {
    return lesson_ticks(rtp_timestamp, k_timebase_us);
}

std::int64_t MediaClock::lesson_ticks(std::int64_t rtp_timestamp, Rational timebase) const {
    // Both terms go to ns first (exact for the reference, rounded once for the RTP delta),
    // the drift correction is applied by rescale (128-bit inside), then one rounding into the
    // requested timebase.
    std::int64_t delta_ns = nominal_ns(rtp_timestamp - ref_rtp_, clock_rate_);
    if (skew_ppt_ != 0) {
        // delta × 1e12 / (1e12 + skew), through the one overflow-safe rescale.
        delta_ns = rescale(delta_ns, Rational{1, k_ppt + skew_ppt_}, Rational{1, k_ppt});
    }
    return rescale(ref_lesson_ns_ + delta_ns, k_timebase_ns, timebase);
}

} // namespace tafel::transcode
