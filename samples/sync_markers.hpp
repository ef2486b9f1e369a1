#pragma once
// The A/V-sync markers of issue 4: at every marker instant the teacher's webcam
// turns white (the whole frame) and the teacher's microphone beeps at 1 kHz,
// both starting at the same capture instant, so that the flash-to-beep offset
// in a rendered file is its A/V offset. One schedule for the live simulator
// (samples/rtp_sender.cpp) and for the sync tests' fast generator
// (tests/e2e/sync_lesson.cpp), so both mark the same way (docs/sync.md).
// Header-only and free of C libraries: the tests include it without linking
// tafel::samples.
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>

namespace tafel::samples {

inline constexpr std::int64_t k_marker_flash_ms = 200; // 3 frames at 15 fps
inline constexpr std::int64_t k_marker_beep_ms = 200;
inline constexpr double k_marker_beep_hz = 1000.0;
inline constexpr double k_marker_beep_amplitude = 0.5; // of full scale
// Around each marker every other sound of the simulator pauses, so that the
// beep is the only sound within ±k_marker_quiet_ms of it and a loudness onset
// finds the beep alone.
inline constexpr std::int64_t k_marker_quiet_ms = 400;

struct MarkerSchedule {
    std::int64_t first_ms = 10'000;    // the first marker, from the start of the media
    std::int64_t interval_ms = 10'000; // then every interval_ms; <= 0: no markers

    constexpr bool enabled() const noexcept { return interval_ms > 0; }

    // t_us minus the nearest marker instant (negative before it); k_none when
    // there are no markers.
    constexpr std::int64_t from_nearest_us(std::int64_t t_us) const noexcept {
        if (!enabled()) return k_none;
        const std::int64_t first = first_ms * 1000, every = interval_ms * 1000;
        if (t_us <= first) return t_us - first;
        const std::int64_t since = (t_us - first) % every;
        return since * 2 < every ? since : since - every;
    }
    // Inside [marker, marker + span_us) of some marker.
    constexpr bool within_us(std::int64_t t_us, std::int64_t span_us) const noexcept {
        const std::int64_t d = from_nearest_us(t_us);
        return d >= 0 && d < span_us;
    }
    constexpr bool flash_at(std::int64_t t_us) const noexcept { return within_us(t_us, k_marker_flash_ms * 1000); }
    constexpr bool beep_at(std::int64_t t_us) const noexcept { return within_us(t_us, k_marker_beep_ms * 1000); }
    constexpr bool quiet_at(std::int64_t t_us) const noexcept {
        const std::int64_t d = from_nearest_us(t_us);
        return d > -k_marker_quiet_ms * 1000 && d < k_marker_quiet_ms * 1000;
    }
    // The marker audio at t_us (full scale = 1): the beep, starting at phase 0 at
    // the marker instant, or silence.
    double beep_sample(std::int64_t t_us) const noexcept {
        if (!beep_at(t_us)) return 0.0;
        const double since_s = static_cast<double>(from_nearest_us(t_us)) / 1e6;
        return k_marker_beep_amplitude * std::sin(2 * std::numbers::pi * k_marker_beep_hz * since_s);
    }

    static constexpr std::int64_t k_none = std::numeric_limits<std::int64_t>::max() / 2;
};

} // namespace tafel::samples
