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
