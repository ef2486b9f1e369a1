#include "core/rational.hpp"

#include <catch2/catch.hpp>

#include <limits>

using tafel::Rational;
using tafel::Rounding;
using tafel::rescale;
__extension__ using I128 = __int128;

TEST_CASE("rescale converts between timebases", "[unit][core]") {
    CHECK(rescale(90'000, tafel::k_timebase_90khz, tafel::k_timebase_ms) == 1'000);
    CHECK(rescale(48'000, tafel::k_timebase_48khz, tafel::k_timebase_90khz) == 90'000);
    CHECK(rescale(1, Rational{1, 1}, tafel::k_timebase_ns) == 1'000'000'000);
    CHECK(rescale(-3'000, tafel::k_timebase_90khz, tafel::k_timebase_ms) == -33);
}

TEST_CASE("rescale rounds half away from zero, or down, or up", "[unit][core]") {
    // 1.5 ms -> 2 ms; -1.5 ms -> -2 ms (nearest); 1.4 ms -> 1 ms.
    const Rational us = tafel::k_timebase_us;
    const Rational ms = tafel::k_timebase_ms;
    CHECK(rescale(1'500, us, ms) == 2);
    CHECK(rescale(-1'500, us, ms) == -2);
    CHECK(rescale(1'499, us, ms) == 1);
    CHECK(rescale(-1'499, us, ms) == -1);
    CHECK(rescale(1'999, us, ms, Rounding::down) == 1);
    CHECK(rescale(-1'001, us, ms, Rounding::down) == -2);
    CHECK(rescale(1'001, us, ms, Rounding::up) == 2);
    CHECK(rescale(-1'999, us, ms, Rounding::up) == -1);
}

TEST_CASE("rescale does not overflow where value*num would exceed 64 bits", "[unit][core]") {
    // 2^62 ns in 90 kHz: value * 90000 overflows int64, the 128-bit path does not.
    const std::int64_t big = std::int64_t{1} << 62;
    const std::int64_t expected = static_cast<std::int64_t>((static_cast<I128>(big) * 90'000 +
                                                             500'000'000) / 1'000'000'000);
    CHECK(rescale(big, tafel::k_timebase_ns, tafel::k_timebase_90khz) == expected);
}

TEST_CASE("rescale saturates instead of wrapping", "[unit][core]") {
    const auto max = std::numeric_limits<std::int64_t>::max();
    const auto min = std::numeric_limits<std::int64_t>::min();
    CHECK(rescale(max, Rational{1, 1}, tafel::k_timebase_ns) == max);
    CHECK(rescale(min, Rational{1, 1}, tafel::k_timebase_ns) == min);
}

TEST_CASE("rescale round trip is within one tick (property)", "[unit][core]") {
    const auto den = GENERATE(1'000, 8'000, 48'000, 90'000, 1'000'000);
    const auto value = GENERATE(take(200, random(std::int64_t{-1} << 40, std::int64_t{1} << 40)));
    const Rational tb{1, den};
    const std::int64_t ns = rescale(value, tb, tafel::k_timebase_ns);
    const std::int64_t back = rescale(ns, tafel::k_timebase_ns, tb);
    CHECK(back == value); // ns is finer than every tb here, so the round trip is exact
    // Monotonic: a larger input never gives a smaller output.
    CHECK(rescale(value + 1, tb, tafel::k_timebase_ms) >= rescale(value, tb, tafel::k_timebase_ms));
}

TEST_CASE("rescale refuses invalid timebases with 0", "[unit][core]") {
    CHECK(rescale(5, Rational{0, 1}, tafel::k_timebase_ms) == 0);
    CHECK(rescale(5, tafel::k_timebase_ms, Rational{1, 0}) == 0);
}
