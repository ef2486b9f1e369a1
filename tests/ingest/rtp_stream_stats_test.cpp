#include "ingest/rtp_stream_stats.hpp"

#include <catch2/catch.hpp>

using namespace tafel;
using namespace tafel::ingest;

namespace {
constexpr std::int64_t k_ms = 1'000'000;   // ns
}

TEST_CASE("RtpStreamStats counts loss across the sequence-number wrap", "[unit][ingest]") {
    RtpStreamStats stats(90000);
    std::uint16_t seq = 65530;
    for (int i = 0; i < 20; ++i, ++seq) {
        if (i == 8 || i == 9) continue;   // 65538 mod 2^16 = 2 and 3 never arrive
        stats.on_rtp(1, seq, 3000u * static_cast<std::uint32_t>(i), ArrivalTime{i * 33 * k_ms});
    }
    CHECK(stats.lost() == 2);
    CHECK(stats.reordered() == 0);
    CHECK(stats.duplicates() == 0);
}

TEST_CASE("RtpStreamStats tells reordered, late and duplicated packets apart", "[unit][ingest]") {
    RtpStreamStats stats(48000);
    const auto at = [](int i) { return ArrivalTime{i * 20 * k_ms}; };
    CHECK(stats.on_rtp(7, 100, 0, at(0)).first);
    auto u = stats.on_rtp(7, 102, 1920, at(2));
    CHECK(u.gap == 1);
    CHECK(stats.lost() == 1);
    u = stats.on_rtp(7, 101, 960, at(2));   // the gap repaired by a late packet
    CHECK(u.reordered);
    CHECK(stats.lost() == 0);
    CHECK(stats.received(7, 101));
    u = stats.on_rtp(7, 101, 960, at(3));   // and then again
    CHECK(u.duplicate);
    CHECK(stats.duplicates() == 1);
    CHECK(stats.reordered() == 1);
    CHECK(stats.lost() == 0);
}

TEST_CASE("RtpStreamStats jitter follows RFC 3550 A.8", "[unit][ingest]") {
    SECTION("packets on time have no jitter") {
        RtpStreamStats stats(90000);
        for (int i = 0; i < 100; ++i) {
            stats.on_rtp(1, static_cast<std::uint16_t>(i), 3000u * static_cast<std::uint32_t>(i), ArrivalTime{i * 100 * k_ms / 3});
        }
        CHECK(stats.jitter_ticks() <= 1);
    }
    SECTION("arrivals alternating ±5 ms converge to a jitter of ~10 ms") {
        RtpStreamStats stats(90000);
        for (int i = 0; i < 400; ++i) {
            const std::int64_t wobble = (i % 2 == 0) ? 5 * k_ms : -5 * k_ms;
            // Timestamps wrap through 2^32 on the way: the difference is taken modulo 2^32.
            stats.on_rtp(1, static_cast<std::uint16_t>(i), 0xffff0000u + 3000u * static_cast<std::uint32_t>(i),
                         ArrivalTime{1000 * k_ms + i * 100 * k_ms / 3 + wobble});
        }
        // |D| = 10 ms = 900 ticks every packet; J → 900.
        CHECK(stats.jitter_ticks() >= 880);
        CHECK(stats.jitter_ticks() <= 900);
        CHECK(stats.jitter_us() >= 9'700);
        CHECK(stats.jitter_us() <= 10'000);
    }
}

TEST_CASE("RtpStreamStats keeps SSRCs apart and bounded", "[unit][ingest]") {
    RtpStreamStats stats(90000);
    for (std::uint32_t ssrc = 1; ssrc <= 20; ++ssrc) {
        stats.on_rtp(ssrc, 10, 0, ArrivalTime{0});
        stats.on_rtp(ssrc, 12, 0, ArrivalTime{0});   // one lost each
    }
    CHECK(stats.lost() == RtpStreamStats::k_max_ssrcs);
    CHECK_FALSE(stats.received(20, 10));
    CHECK(stats.received(1, 12));
}
