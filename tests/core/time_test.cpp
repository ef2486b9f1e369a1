#include "core/time.hpp"

#include <catch2/catch.hpp>

TEST_CASE("NTP timestamps convert to and from UTC microseconds", "[unit][core]") {
    // RFC 3550 4: NTP epoch is 1900-01-01; 2208988800 s before the Unix epoch.
    const tafel::WallTime epoch{0};
    CHECK(tafel::ntp_from_wall(epoch) == (std::uint64_t{2'208'988'800} << 32));
    const tafel::WallTime t{1'700'000'000'123'456};
    const auto ntp = tafel::ntp_from_wall(t);
    CHECK(tafel::wall_from_ntp(ntp).utc_us == t.utc_us);
    // Half a second is 0x80000000 in the fraction.
    CHECK((tafel::ntp_from_wall(tafel::WallTime{500'000}) & 0xffffffffu) == 0x80000000u);
}

TEST_CASE("a clock anchor maps arrival time to wall time and back", "[unit][core]") {
    const tafel::ClockAnchor anchor{tafel::ArrivalTime{5'000'000'000}, tafel::WallTime{1'000'000}};
    CHECK(anchor.wall_ns(tafel::ArrivalTime{5'000'000'000}) == 1'000'000'000);
    CHECK(anchor.wall_ns(tafel::ArrivalTime{6'500'000'000}) == 2'500'000'000);
    CHECK(anchor.arrival_of_wall_ns(2'500'000'000).ns == 6'500'000'000);
}

TEST_CASE("arrival time is monotonic", "[unit][core]") {
    const auto a = tafel::arrival_now();
    const auto b = tafel::arrival_now();
    CHECK(b >= a);
}
