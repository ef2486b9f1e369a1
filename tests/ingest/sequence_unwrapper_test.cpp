#include "ingest/sequence_unwrapper.hpp"

#include <catch2/catch.hpp>

using namespace tafel::ingest;

TEST_CASE("sequence numbers unwrap across 65535 -> 0 with reordering", "[unit][ingest][unwrap]") {
    SequenceUnwrapper u;
    CHECK(u.unwrap(65533) == 65533);
    CHECK(u.unwrap(65535) == 65535);
    CHECK(u.unwrap(0) == 65536);
    CHECK(u.unwrap(65534) == 65534);   // reordered from just before the wrap
    CHECK(u.unwrap(1) == 65537);
    CHECK(u.unwrap(2) == 65538);
    // A second wrap keeps counting.
    for (std::int64_t expected = 65538 + 100; expected < 3 * 65536; expected += 100) {
        REQUIRE(u.unwrap(static_cast<std::uint64_t>(expected) & 0xffff) == expected);
    }
}

TEST_CASE("sequence numbers unwrap backwards below the start", "[unit][ingest][unwrap]") {
    SequenceUnwrapper u;
    CHECK(u.unwrap(2) == 2);
    CHECK(u.unwrap(65535) == -1);      // a packet from before the first one, across the wrap
    CHECK(u.unwrap(3) == 3);
}

TEST_CASE("32-bit timestamps unwrap across the wrap in both directions", "[unit][ingest][unwrap]") {
    TimestampUnwrapper u;
    CHECK(u.unwrap(0xffffff00u) == 0xffffff00ll);
    CHECK(u.unwrap(0x00000200u) == 0x100000200ll);
    CHECK(u.unwrap(0xfffffe00u) == 0xfffffe00ll);   // late audio packet from before the wrap
    CHECK(TimestampUnwrapper::nearest(10, 0x100000000ll) == 0x10000000all);
    CHECK(TimestampUnwrapper::nearest(0xfffffff6u, 0x100000000ll) == 0xfffffff6ll);
    // Large forward steps below half the range stay forward.
    TimestampUnwrapper big;
    big.unwrap(0);
    CHECK(big.unwrap(0x7fffffffu) == 0x7fffffffll);
    CHECK(big.unwrap(0xfffffffeu) == 0xfffffffell);
}

TEST_CASE("unwrapping follows every 16-bit step below half the range", "[unit][ingest][unwrap]") {
    const auto step = GENERATE(1, 7, 1000, 32767);
    SequenceUnwrapper u;
    std::int64_t expected = 60000;
    u.unwrap(60000);
    for (int i = 0; i < 20; ++i) {
        expected += step;
        CHECK(u.unwrap(static_cast<std::uint64_t>(expected) & 0xffff) == expected);
    }
}
