#include "core/time.hpp"

#include <chrono>

namespace tafel {

ArrivalTime arrival_now() noexcept {
    using namespace std::chrono;
    return ArrivalTime{duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count()};
}

WallTime wall_now() noexcept {
    using namespace std::chrono;
    return WallTime{duration_cast<microseconds>(system_clock::now().time_since_epoch()).count()};
}

ClockAnchor ClockAnchor::now() noexcept {
    return ClockAnchor{arrival_now(), wall_now()};
}

WallTime wall_from_ntp(std::uint64_t ntp) noexcept {
    const auto seconds = static_cast<std::int64_t>(ntp >> 32);
    const auto fraction = static_cast<std::int64_t>(ntp & 0xffffffffu);
    const std::int64_t us = (fraction * 1'000'000 + (std::int64_t{1} << 31)) >> 32;
    return WallTime{(seconds - k_ntp_unix_offset_s) * 1'000'000 + us};
}

std::uint64_t ntp_from_wall(WallTime w) noexcept {
    std::int64_t seconds = w.utc_us / 1'000'000;
    std::int64_t us = w.utc_us % 1'000'000;
    if (us < 0) {
        us += 1'000'000;
        seconds -= 1;
    }
    const auto fraction = static_cast<std::uint64_t>((us << 32) / 1'000'000);
    return (static_cast<std::uint64_t>(seconds + k_ntp_unix_offset_s) << 32) | fraction;
}

} // namespace tafel
