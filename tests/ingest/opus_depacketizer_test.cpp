#include "depacketizer_driver.hpp"
#include "ingest/opus_depacketizer.hpp"

#include <catch2/catch.hpp>

using namespace tafel;
using namespace tafel::ingest;

TEST_CASE("Opus packet durations come from the TOC byte (RFC 6716 3.1, 3.2)", "[unit][ingest][opus]") {
    struct Case {
        const char* name;
        std::vector<std::uint8_t> bytes;
        std::int64_t samples;   // -1: malformed
    };
    const Case cases[] = {
        {"SILK 10 ms, one frame", {0 << 3 | 0}, 480},
        {"SILK 20 ms", {1 << 3 | 0, 9}, 960},
        {"SILK 40 ms", {2 << 3 | 0}, 1920},
        {"SILK 60 ms", {3 << 3 | 0}, 2880},
        {"SILK 60 ms, two equal frames (c=1)", {3 << 3 | 1, 1, 1}, 5760},
        {"SILK 60 ms, two frames of different size (c=2)", {3 << 3 | 2, 1, 1}, 5760},
        {"Hybrid 10 ms", {12 << 3 | 0}, 480},
        {"Hybrid 20 ms", {15 << 3 | 0}, 960},
        {"CELT 2.5 ms", {16 << 3 | 0}, 120},
        {"CELT 5 ms stereo", {17 << 3 | 4}, 240},
        {"CELT 10 ms", {18 << 3 | 0}, 480},
        {"CELT 20 ms", {31 << 3 | 0}, 960},
        {"CELT 2.5 ms, 48 frames (c=3) = 120 ms", {16 << 3 | 3, 48}, 5760},
        {"CELT 20 ms, 6 frames (c=3) = 120 ms", {19 << 3 | 3, 0x80 | 6}, 5760},
        {"CELT 20 ms, 7 frames = 140 ms", {19 << 3 | 3, 7}, -1},
        {"code 3 with zero frames", {19 << 3 | 3, 0}, -1},
        {"code 3 without its count byte", {19 << 3 | 3}, -1},
        {"empty", {}, -1},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        auto s = opus_packet_samples(c.bytes);
        if (c.samples < 0) {
            REQUIRE_FALSE(s);
            CHECK(s.error().code == Errc::malformed_input);
        } else {
            REQUIRE(s);
            CHECK(*s == c.samples);
        }
    }
}

TEST_CASE("Opus frames carry their own duration, so DTX gaps and 60 ms packets are visible", "[unit][ingest][opus]") {
    test::PayloadStream s;
    s.add(0, true, {1 << 3, 0xaa});          // 20 ms
    s.add(960, false, {1 << 3, 0xab});       // 20 ms, then DTX: nothing sent for 180 ms
    s.add(10560, false, {3 << 3, 0xac});     // 60 ms after the pause
    s.add(13440, false, {});                 // empty: not an Opus packet
    s.add(13440, false, {18 << 3 | 3, 2});   // 2 × 10 ms
    OpusDepacketizer d;
    TrackStats stats;
    const auto frames = s.run(d, stats);
    REQUIRE(frames.size() == 4);
    CHECK(test::timestamps_of(frames) == std::vector<std::int64_t>{0, 960, 10560, 13440});
    CHECK(frames[0].duration_ticks == 960);
    CHECK(frames[1].duration_ticks == 960);
    // The gap after the second packet is 10560 - 960 - 960 = 8640 samples = 180 ms of DTX.
    CHECK(frames[2].rtp_timestamp - (frames[1].rtp_timestamp + frames[1].duration_ticks) == 8640);
    CHECK(frames[2].duration_ticks == 2880);
    CHECK(frames[3].duration_ticks == 960);
    CHECK(frames[2].data == std::vector<std::uint8_t>{3 << 3, 0xac});
    CHECK(stats.malformed == 1);
    CHECK(stats.frames == 4);
}
