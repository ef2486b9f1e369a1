#pragma once
// Timebases and the one overflow-safe rescale of the pipeline. Media time is int64 ticks
// plus a Rational timebase per stream; no double seconds inside the pipeline.
#include <compare>
#include <cstdint>

namespace tafel {

struct Rational {
    std::int64_t num = 0;
    std::int64_t den = 1;

    constexpr bool valid() const { return num > 0 && den > 0; }
    friend constexpr bool operator==(const Rational&, const Rational&) = default;
};

// Common timebases.
inline constexpr Rational k_timebase_ns{1, 1'000'000'000};
inline constexpr Rational k_timebase_us{1, 1'000'000};
inline constexpr Rational k_timebase_ms{1, 1'000};
inline constexpr Rational k_timebase_90khz{1, 90'000};
inline constexpr Rational k_timebase_48khz{1, 48'000};

enum class Rounding {
    nearest,    // half away from zero, like av_rescale_rnd(AV_ROUND_NEAR_INF)
    down,       // towards minus infinity
    up,         // towards plus infinity
};

// value * from / to, computed in 128 bits so that no intermediate overflows; the result
// saturates at the int64 limits instead of wrapping. Both timebases must be valid().
std::int64_t rescale(std::int64_t value, Rational from, Rational to,
                     Rounding rounding = Rounding::nearest) noexcept;

} // namespace tafel
