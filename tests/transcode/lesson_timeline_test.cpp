#include "transcode/lesson_timeline.hpp"

#include <catch2/catch.hpp>

#include <fmt/format.h>

using namespace tafel;
using namespace tafel::transcode;

namespace {

constexpr std::int64_t k_start = 1'700'000'000'000'000;

ingest::Event event(std::int64_t lesson_ms, std::string type, std::string fields) {
    const std::int64_t t = k_start + lesson_ms * 1000;
    return ingest::Event{WallTime{t}, type,
                         fmt::format(R"({{"t_us":{},"type":"{}"{}}})", t, type, fields.empty() ? "" : "," + fields)};
}

ingest::RecordingInfo lesson() {
    ingest::RecordingInfo info;
    info.id = "rec1";
    info.started = WallTime{k_start};
    info.participants = {
        {"teacher", "Frau Müller", ingest::Role::moderator, ingest::Consent::unknown},
        {"p1", "Jonas", ingest::Role::viewer, ingest::Consent::granted},
        {"p2", "Lea", ingest::Role::viewer, ingest::Consent::denied},
        {"p3", "Ali", ingest::Role::viewer, ingest::Consent::unknown},
    };
    info.decks = {{"d1", "Brüche.pdf", "slides/d1.pdf", 6}};
    return info;
}

} // namespace

TEST_CASE("timeline: the slide shown at t is the latest slide event before it", "[unit]") {
    std::vector<ingest::Event> events{
        event(-500, "slide", R"("deck":"d1","page":1)"),   // before the start: shown from 0
        event(10'000, "slide", R"("deck":"d1","page":2)"),
        event(5'000, "participant_joined", R"("participant":"p1")"),
        event(30'000, "slide", R"("deck":"d1","page":3)"),
        event(40'000, "slide", R"("deck":"d9","page":1)"),  // unknown deck: skipped
        event(50'000, "slide", R"("deck":"d1")"),           // no page: skipped
        event(60'000, "whiteboard_draw", R"("shape":"line")"), // unknown type: ignored
    };
    const auto t = LessonTimeline::build("/raw/rec1", lesson(), events);
    CHECK(t.skipped_events() == 2);
    REQUIRE(t.slides().size() == 3);
    REQUIRE(t.slide_at(0) != nullptr);
    CHECK(t.slide_at(0)->page == 1);
    CHECK(t.slide_at(0)->pdf == std::filesystem::path("/raw/rec1/slides/d1.pdf"));
    CHECK(t.slide_at(9'999'999)->page == 1);
    CHECK(t.slide_at(10'000'000)->page == 2);
    CHECK(t.slide_at(99'000'000)->page == 3);
    const auto empty = LessonTimeline::build("/raw/rec1", lesson(), {});
    CHECK(empty.slide_at(5'000'000) == nullptr);
}

TEST_CASE("timeline: chat in time order; pupils without consent are pseudonymised", "[unit]") {
    std::vector<ingest::Event> events{
        event(20'000, "chat", R"("participant":"p2","name":"Lea","text":"Ich auch nicht")"),
        event(12'000, "chat", R"("participant":"p1","name":"Jonas","text":"Ich verstehe das nicht")"),
        event(25'000, "chat", R"("participant":"teacher","name":"Frau Müller","text":"Schaut auf Folie 2 😊")"),
        event(26'000, "chat", R"("participant":"p3","name":"Ali","text":"Danke")"),
        event(27'000, "chat", R"("participant":"p2","name":"Lea","text":"Jetzt ja")"),
        event(28'000, "chat", R"("participant":"p1","name":"Jonas")"), // no text: skipped
    };
    const auto t = LessonTimeline::build("/raw/rec1", lesson(), events);
    REQUIRE(t.chat().size() == 5);
    CHECK(t.chat()[0].t_ms == 12'000);
    CHECK(t.chat()[0].name == "Jonas");
    CHECK(t.chat()[1].name == "Schüler·in 1");   // Lea denied consent
    CHECK(t.chat()[2].name == "Frau Müller");
    CHECK(t.chat()[2].text == "Schaut auf Folie 2 😊");
    CHECK(t.chat()[3].name == "Schüler·in 2");   // Ali: consent unknown
    CHECK(t.chat()[4].name == "Schüler·in 1");   // the same pupil keeps her pseudonym
    for (const auto& line : t.chat()) {
        CHECK(line.name.find("Lea") == std::string::npos);
        CHECK(line.name.find("Ali") == std::string::npos);
    }
    CHECK(t.chat_count_at(0) == 0);
    CHECK(t.chat_count_at(11'999'999) == 0);
    CHECK(t.chat_count_at(12'000'000) == 1);
    CHECK(t.chat_count_at(26'500'000) == 4);
    CHECK(t.skipped_events() == 1);
}
