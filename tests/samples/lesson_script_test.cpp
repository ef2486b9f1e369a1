#include "samples/lesson_script.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

using namespace tafel::samples;

namespace {
std::vector<ScriptedEvent> of_kind(const LessonScript& s, EventKind k) {
    std::vector<ScriptedEvent> out;
    std::copy_if(s.events.begin(), s.events.end(), std::back_inserter(out),
                 [&](const ScriptedEvent& e) { return e.kind == k; });
    return out;
}
} // namespace

TEST_CASE("the default lesson has two consenting participants who join at t=0", "[unit]") {
    const auto script = make_lesson_script({});
    REQUIRE(script.participants.size() == 2);
    CHECK(script.participants[0].name == "Frau Müller");
    CHECK(script.participants[0].role == "moderator");
    CHECK(script.participants[1].name == "Jonas Weiß");
    CHECK(script.participants[1].role == "viewer");
    for (const auto& p : script.participants) CHECK(p.consent == "granted");

    const auto joins = of_kind(script, EventKind::participant_joined);
    REQUIRE(joins.size() == 2);
    for (const auto& j : joins) CHECK(j.at_ms == 0);
    // The joins come before anything else in the timeline.
    CHECK(script.events[0].kind == EventKind::participant_joined);
    CHECK(script.events[1].kind == EventKind::participant_joined);
}

TEST_CASE("slides change every 20 s from page 1 at t=0 and wrap over the six pages", "[unit]") {
    const auto slides = of_kind(make_lesson_script({}), EventKind::slide);
    REQUIRE(slides.size() == 6); // 0, 20, …, 100 s of a 120 s lesson
    for (std::size_t i = 0; i < slides.size(); ++i) {
        CHECK(slides[i].at_ms == static_cast<std::int64_t>(i) * 20'000);
        CHECK(slides[i].page == static_cast<int>(i) + 1);
    }
    LessonScriptOptions longer;
    longer.duration_ms = 200'000;
    const auto wrapped = of_kind(make_lesson_script(longer), EventKind::slide);
    REQUIRE(wrapped.size() == 10);
    CHECK(wrapped[6].page == 1);
    CHECK(wrapped[9].page == 4);
    CHECK(wrapped[9].at_ms == 180'000);
}

TEST_CASE("twenty chat lines spread evenly, none at t=0, from both people, with umlauts and emoji", "[unit]") {
    const auto script = make_lesson_script({});
    const auto chat = of_kind(script, EventKind::chat);
    REQUIRE(chat.size() == 20);
    std::set<std::string> senders;
    bool umlaut[4] = {};
    bool emoji = false;
    for (std::size_t i = 0; i < chat.size(); ++i) {
        CHECK(chat[i].at_ms > 0);
        CHECK(chat[i].at_ms < 120'000);
        if (i > 0) { // even spacing: 120 s / 21 ≈ 5714 ms, integer rounding at most 1 ms off
            CHECK(std::abs(chat[i].at_ms - chat[i - 1].at_ms - 5714) <= 1);
        }
        CHECK(!chat[i].text.empty());
        senders.insert(chat[i].name);
        const std::string& t = chat[i].text;
        int k = 0;
        for (const char* u : {"ä", "ö", "ü", "ß"}) umlaut[k++] |= t.find(u) != std::string::npos;
        emoji |= t.find("👍") != std::string::npos;
    }
    CHECK(senders == std::set<std::string>{"Frau Müller", "Jonas Weiß"});
    CHECK(umlaut[0]);
    CHECK(umlaut[1]);
    CHECK(umlaut[2]);
    CHECK(umlaut[3]);
    CHECK(emoji);
}

TEST_CASE("the script is a pure function of its options and sorted by time", "[unit]") {
    LessonScriptOptions o;
    o.duration_ms = GENERATE(1'000, 30'000, 120'000, 3'600'000);
    o.slide_interval_ms = GENERATE(500, 20'000);
    o.chat_messages = GENERATE(0, 3, 20, 45);
    const auto a = make_lesson_script(o);
    const auto b = make_lesson_script(o);
    REQUIRE(a.events.size() == b.events.size());
    for (std::size_t i = 0; i < a.events.size(); ++i) CHECK(to_json(a.events[i]) == to_json(b.events[i]));
    CHECK(std::is_sorted(a.events.begin(), a.events.end(),
                         [](const ScriptedEvent& x, const ScriptedEvent& y) { return x.at_ms < y.at_ms; }));
    CHECK(static_cast<int>(std::count_if(a.events.begin(), a.events.end(),
                                         [](const ScriptedEvent& e) { return e.kind == EventKind::chat; })) ==
          o.chat_messages);
    for (const auto& e : a.events) CHECK(e.at_ms < o.duration_ms);
}

TEST_CASE("events serialise to the control API's JSON", "[unit]") {
    ScriptedEvent chat;
    chat.kind = EventKind::chat;
    chat.participant = "pupil1";
    chat.name = "Jonas Weiß";
    chat.text = "Größer? 👍";
    auto j = nlohmann::json::parse(to_json(chat));
    CHECK(j == nlohmann::json{{"type", "chat"}, {"participant", "pupil1"}, {"name", "Jonas Weiß"}, {"text", "Größer? 👍"}});

    ScriptedEvent slide;
    slide.kind = EventKind::slide;
    slide.deck = "d1";
    slide.page = 3;
    slide.t_us = 1'700'000'000'000'000;
    j = nlohmann::json::parse(to_json(slide));
    CHECK(j == nlohmann::json{{"type", "slide"}, {"deck", "d1"}, {"page", 3}, {"t_us", 1'700'000'000'000'000}});
}
