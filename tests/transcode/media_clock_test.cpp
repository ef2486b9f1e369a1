#include "transcode/media_clock.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace tafel;
using namespace tafel::transcode;

namespace {
constexpr WallTime k_start{1'700'000'000'000'000};
}

TEST_CASE("media clock from an RTCP sender report maps RTP time to lesson time exactly", "[unit]") {
    // RFC 3550 6.4.1: the report says rtp 900000 was sampled at start + 2 s.
    ingest::SenderReport sr{0x1234, WallTime{k_start.utc_us + 2'000'000}, 900'000, ArrivalTime{5}};
    const auto clock = MediaClock::from_sender_report(sr, 90'000, k_start);
    CHECK(clock.from_sender_report());
    CHECK(clock.lesson_us(900'000) == 2'000'000);
    CHECK(clock.lesson_us(990'000) == 3'000'000);        // one second of 90 kHz later
    CHECK(clock.lesson_us(903'000) == 2'033'333);        // one 30 fps frame, rounded to µs
    CHECK(clock.lesson_us(0) == -8'000'000);             // before the recording started
    CHECK(clock.lesson_ticks(990'000, k_timebase_48khz) == 144'000);

    // Audio: 48 kHz clock, 20 ms packets.
    ingest::SenderReport asr{0x99, WallTime{k_start.utc_us + 500'000}, 48'000, ArrivalTime{5}};
    const auto audio = MediaClock::from_sender_report(asr, 48'000, k_start);
    CHECK(audio.lesson_ticks(48'000 + 960, k_timebase_48khz) == 24'000 + 960);
    CHECK(audio.lesson_us(48'000 + 960) == 520'000);
}

TEST_CASE("media clock without a sender report uses the first frame's arrival", "[unit]") {
    // The anchor: arrival 1 s on the monotonic clock is the lesson start in UTC.
    const ClockAnchor anchor{ArrivalTime{1'000'000'000}, k_start};
    // The first frame (rtp 3000) arrived 250 ms into the lesson.
    const auto clock = MediaClock::from_arrival(ArrivalTime{1'250'000'000}, 3000, 90'000, anchor, k_start);
    CHECK_FALSE(clock.from_sender_report());
    CHECK(clock.lesson_us(3000) == 250'000);
    CHECK(clock.lesson_us(3000 + 90'000 * 60) == 60'250'000);
    // Timestamps past 2^32 (unwrapped by ingest) keep counting.
    const std::int64_t wrap = std::int64_t{1} << 32;
    const auto late = MediaClock::from_arrival(ArrivalTime{1'000'000'000}, wrap - 900, 90'000, anchor, k_start);
    CHECK(late.lesson_us(wrap + 8100) == 100'000);
}

TEST_CASE("media clock picks the first sender report of the stream's own SSRC", "[unit]") {
    const ClockAnchor anchor{ArrivalTime{0}, k_start};
    std::vector<ingest::SenderReport> reports{
        {0xAAAA, WallTime{k_start.utc_us + 7'000'000}, 0, ArrivalTime{1}},        // another sender
        {0xBBBB, WallTime{k_start.utc_us + 1'000'000}, 48'000, ArrivalTime{2}},   // first of ours
        {0xBBBB, WallTime{k_start.utc_us + 9'000'000}, 48'000, ArrivalTime{3}},   // later (drifted)
    };
    const auto ours = MediaClock::for_stream(0xBBBB, ArrivalTime{3'000'000'000}, 0, 48'000, reports, anchor, k_start);
    CHECK(ours.from_sender_report());
    CHECK(ours.lesson_us(96'000) == 2'000'000);
    // No report of this SSRC: arrival time (3 s) of rtp 0.
    const auto other = MediaClock::for_stream(0xCCCC, ArrivalTime{3'000'000'000}, 0, 48'000, reports, anchor, k_start);
    CHECK_FALSE(other.from_sender_report());
    CHECK(other.lesson_us(48'000) == 4'000'000);
}

namespace {

// Sender reports every 5 s of the sender's wall clock for `minutes`, its 90 kHz media clock
// running `ppm` fast: rtp = 1000 + t × 90000 × (1 + ppm/10^6), all exact integers.
std::vector<ingest::SenderReport> drifting_reports(int minutes, int ppm, std::int64_t first_wall_us) {
    std::vector<ingest::SenderReport> out;
    const std::int64_t ticks_per_5s = 450'000 + 450'000 * ppm / 1'000'000;
    for (int k = 0; k <= minutes * 12; ++k) {
        out.push_back({0x77, WallTime{first_wall_us + std::int64_t{k} * 5'000'000}, 1000 + k * ticks_per_5s,
                       ArrivalTime{k}});
    }
    return out;
}

} // namespace

TEST_CASE("media clock: a least-squares fit over sender reports absorbs 100 ppm of drift over 60 minutes",
          "[unit]") {
    const auto reports = drifting_reports(60, 100, k_start.utc_us + 1'000'000);
    const auto clock = MediaClock::from_sender_reports(reports, 90'000, k_start);
    REQUIRE(clock);
    CHECK(clock->from_sender_report());
    CHECK(clock->skew_ppt() == 100'000'000);   // 100 ppm
    // 90009 ticks per second of the sender's wall clock.
    CHECK(clock->lesson_us(1000) == 1'000'000);
    CHECK(clock->lesson_us(1000 + 1800 * 90'009) == 1'801'000'000);
    CHECK(clock->lesson_us(1000 + 3600 * 90'009) == 3'601'000'000);
    // The first report alone would place the end of the lesson 360 ms late.
    CHECK(MediaClock::from_sender_report(reports.front(), 90'000, k_start).lesson_us(1000 + 3600 * 90'009) ==
          3'601'360'000);
    // for_stream uses every report of the SSRC.
    const ClockAnchor anchor{ArrivalTime{0}, k_start};
    CHECK(MediaClock::for_stream(0x77, ArrivalTime{0}, 0, 90'000, reports, anchor, k_start).lesson_us(1000 + 3600 * 90'009) ==
          3'601'000'000);
}

TEST_CASE("media clock: reports that go backwards or jump are rejected from the fit", "[unit]") {
    auto reports = drifting_reports(10, 100, k_start.utc_us);
    const auto clean = MediaClock::from_sender_reports(reports, 90'000, k_start);
    REQUIRE(clean);
    auto damaged = reports;
    // A report whose NTP time went back 3 s, one whose RTP time jumped 2 s ahead, a repeat.
    damaged.insert(damaged.begin() + 20, {0x77, WallTime{reports[19].ntp_time.utc_us - 3'000'000}, reports[19].rtp_timestamp + 900, ArrivalTime{}});
    damaged.insert(damaged.begin() + 40, {0x77, WallTime{reports[38].ntp_time.utc_us + 5'000'000},
                                          reports[38].rtp_timestamp + 450'045 + 2 * 90'009, ArrivalTime{}});
    damaged.insert(damaged.begin() + 60, damaged[59]);
    CHECK(MediaClock::reject_implausible(damaged, 90'000).size() == reports.size());
    const auto fitted = MediaClock::from_sender_reports(damaged, 90'000, k_start);
    REQUIRE(fitted);
    CHECK(fitted->skew_ppt() == clean->skew_ppt());
    CHECK(fitted->lesson_us(1000 + 600 * 90'009) == 600'000'000);
    CHECK(clean->lesson_us(1000 + 600 * 90'009) == 600'000'000);
    CHECK_FALSE(MediaClock::from_sender_reports({}, 90'000, k_start));
}

TEST_CASE("media clock: jittered sender reports still fit to within microseconds", "[unit]") {
    auto reports = drifting_reports(30, -40, k_start.utc_us);
    // ±300 µs of NTP jitter on two of every three reports (a sender stamping its reports late).
    for (std::size_t i = 0; i < reports.size(); ++i) reports[i].ntp_time.utc_us += (i % 3 == 0) ? 300 : (i % 3 == 1 ? -300 : 0);
    const auto clock = MediaClock::from_sender_reports(reports, 90'000, k_start);
    REQUIRE(clock);
    CHECK(std::llabs(clock->skew_ppt() + 40'000'000) < 100'000);   // −40 ppm within 0.1 ppm
    const std::int64_t end_rtp = 1000 + 360 * 449'982;   // 30 min at 89996.4 ticks/s
    CHECK(std::llabs(clock->lesson_us(end_rtp) - 1'800'000'000) <= 50);
}
