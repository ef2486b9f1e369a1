#pragma once
// Three clocks that must never be mixed up (STYLE.md "Time"):
//  - ArrivalTime: when a packet reached us, from the monotonic clock (nanoseconds);
//  - WallTime:    UTC (microseconds since the Unix epoch), e.g. an event's time or RTCP NTP;
//  - MediaTime:   ticks of a stream's own Rational timebase.
// They are distinct types with no implicit conversion; converting between arrival and wall
// time needs an explicit ClockAnchor taken once per recording.
#include "core/rational.hpp"

#include <compare>
#include <cstdint>

namespace tafel {

struct ArrivalTime {
    std::int64_t ns = 0; // steady_clock nanoseconds; meaningful only relative to another
    friend constexpr auto operator<=>(const ArrivalTime&, const ArrivalTime&) = default;
};

struct WallTime {
    std::int64_t utc_us = 0; // microseconds since 1970-01-01T00:00:00Z
    friend constexpr auto operator<=>(const WallTime&, const WallTime&) = default;
};

struct MediaTime {
    std::int64_t ticks = 0;
    Rational timebase = k_timebase_us;

    std::int64_t to_us(Rounding r = Rounding::nearest) const {
        return rescale(ticks, timebase, k_timebase_us, r);
    }
    MediaTime in(Rational tb, Rounding r = Rounding::nearest) const {
        return MediaTime{rescale(ticks, timebase, tb, r), tb};
    }
};

ArrivalTime arrival_now() noexcept;
WallTime wall_now() noexcept;

// One (arrival, wall) pair read back to back, so that arrival times of a recording can be
// presented as wall times (pcap timestamps) without ever reading the wall clock per packet.
struct ClockAnchor {
    ArrivalTime arrival;
    WallTime wall;

    static ClockAnchor now() noexcept;
    // Nanosecond wall time of an arrival, i.e. anchor.wall + (a - anchor.arrival).
    std::int64_t wall_ns(ArrivalTime a) const noexcept {
        return wall.utc_us * 1000 + (a.ns - arrival.ns);
    }
    ArrivalTime arrival_of_wall_ns(std::int64_t wall_ns) const noexcept {
        return ArrivalTime{arrival.ns + (wall_ns - wall.utc_us * 1000)};
    }
};

// RFC 3550 section 4: NTP timestamps are seconds since 1900-01-01 in 32.32 fixed point.
inline constexpr std::int64_t k_ntp_unix_offset_s = 2'208'988'800;
WallTime wall_from_ntp(std::uint64_t ntp) noexcept;
std::uint64_t ntp_from_wall(WallTime w) noexcept;

} // namespace tafel
