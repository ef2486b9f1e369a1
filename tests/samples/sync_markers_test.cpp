// The A/V-sync marker schedule shared by the live simulator and the sync tests' generator
// (samples/sync_markers.hpp).
#include "samples/sync_markers.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using tafel::samples::MarkerSchedule;

TEST_CASE("markers flash and beep for 200 ms from every marker instant", "[unit]") {
    const MarkerSchedule s{10'000, 10'000};
    CHECK_FALSE(s.flash_at(0));
    CHECK_FALSE(s.flash_at(9'999'999));
    CHECK(s.flash_at(10'000'000));
    CHECK(s.flash_at(10'199'999));
    CHECK_FALSE(s.flash_at(10'200'000));
    CHECK(s.flash_at(20'000'000));
    CHECK(s.beep_at(600'100'000));
    CHECK_FALSE(s.beep_at(605'000'000));
    // 15 fps frames from 0: exactly the frames at 10 s, 10.067 s and 10.133 s are white.
    int white = 0;
    for (int i = 0; i < 300; ++i) white += s.flash_at(std::int64_t{i} * 1'000'000 / 15) ? 1 : 0;
    CHECK(white == 3);
}

TEST_CASE("the beep is a 1 kHz sine from phase 0 at the marker and silence elsewhere", "[unit]") {
    const MarkerSchedule s{5'000, 2'000};
    CHECK(s.beep_sample(5'000'000) == 0.0);
    CHECK(s.beep_sample(7'000'250) == Approx(0.5)); // a quarter period after the marker
    CHECK(s.beep_sample(7'000'750) == Approx(-0.5));
    CHECK(s.beep_sample(7'200'250) == 0.0); // after the 200 ms beep
    CHECK(s.beep_sample(6'000'250) == 0.0); // between markers
}

TEST_CASE("the quiet span is 400 ms either side of a marker and nothing when disabled", "[unit]") {
    const MarkerSchedule s{10'000, 10'000};
    CHECK(s.quiet_at(9'600'001));
    CHECK_FALSE(s.quiet_at(9'600'000));
    CHECK(s.quiet_at(10'399'999));
    CHECK_FALSE(s.quiet_at(10'400'000));
    CHECK(s.quiet_at(19'700'000)); // before the next marker
    CHECK(s.from_nearest_us(14'000'000) == 4'000'000);
    CHECK(s.from_nearest_us(16'000'000) == -4'000'000);
    const MarkerSchedule none{0, 0};
    CHECK_FALSE(none.enabled());
    CHECK_FALSE(none.flash_at(0));
    CHECK_FALSE(none.quiet_at(0));
    CHECK(none.beep_sample(0) == 0.0);
}
