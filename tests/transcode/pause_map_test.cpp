#include "transcode/pause_map.hpp"

#include <catch2/catch.hpp>

#include <fmt/format.h>

using namespace tafel;
using namespace tafel::transcode;

namespace {

constexpr std::int64_t k_start = 1'700'000'000'000'000;

ingest::Event event(std::int64_t lesson_us, std::string type) {
    return ingest::Event{WallTime{k_start + lesson_us}, type,
                         fmt::format(R"({{"t_us":{},"type":"{}"}})", k_start + lesson_us, type)};
}

} // namespace

TEST_CASE("pause map: spans from pause and resume events", "[unit]") {
    ingest::RecordingInfo info;
    info.started = WallTime{k_start};
    const std::vector<ingest::Event> events{
        event(30, "recording_resumed"),   // resume while running: nothing
        event(100, "recording_paused"),
        event(150, "recording_paused"),   // pause while paused: nothing
        event(200, "recording_resumed"),
        event(500, "chat"),
        event(900, "recording_paused"),   // never resumed: paused to the end
    };
    const auto map = PauseMap::from_events(info, events, 1000);
    REQUIRE(map.spans().size() == 2);
    CHECK(map.spans()[0] == PausedSpan{100, 200});
    CHECK(map.spans()[1] == PausedSpan{900, 1000});
    CHECK(map.paused() == 200);
    CHECK(map.output_duration() == 800);
}

TEST_CASE("pause map: output and lesson time across cuts", "[unit]") {
    const PauseMap map({{300, 400}, {100, 200}, {150, 250}, {-5, 0}, {990, 2000}}, 1000);
    REQUIRE(map.spans().size() == 3);   // merged, sorted, clipped, empty dropped
    CHECK(map.spans()[0] == PausedSpan{100, 250});
    CHECK(map.spans()[2] == PausedSpan{990, 1000});
    CHECK(map.output_duration() == 1000 - 150 - 100 - 10);

    CHECK(map.to_lesson(0) == 0);
    CHECK(map.to_lesson(99) == 99);
    CHECK(map.to_lesson(100) == 250);   // the cut lands after the pause
    CHECK(map.to_lesson(149) == 299);
    CHECK(map.to_lesson(150) == 400);   // two cuts in a row
    CHECK(map.to_lesson(739) == 989);

    CHECK(map.to_output(50) == 50);
    CHECK(map.to_output(180) == 100);   // inside a pause: where it was cut
    CHECK(map.to_output(250) == 100);
    CHECK(map.to_output(420) == 170);
    for (std::int64_t out = 0; out < map.output_duration(); ++out) {
        INFO(out);
        CHECK(map.to_output(map.to_lesson(out)) == out);
        CHECK_FALSE(map.pause_at(map.to_lesson(out)).has_value());
    }

    CHECK(map.pause_at(120) == PausedSpan{100, 250});
    CHECK_FALSE(map.pause_at(250).has_value());
    CHECK(map.next_pause_after(250) == 300);
    CHECK(map.next_pause_after(995) == 1000);
}

TEST_CASE("pause map: rescaled from µs to 48 kHz samples", "[unit]") {
    const PauseMap us({{1'000'000, 2'500'000}}, 4'000'000);
    const PauseMap samples = us.rescaled(k_timebase_us, k_timebase_48khz);
    CHECK(samples.spans()[0] == PausedSpan{48'000, 120'000});
    CHECK(samples.output_duration() == 120'000);
    CHECK(PauseMap{}.output_duration() == 0);
}
