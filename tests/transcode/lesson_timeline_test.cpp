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

TEST_CASE("timeline: chat in time order - denied pupils' lines are dropped, unknown consent is pseudonymised",
          "[unit]") {
    std::vector<ingest::Event> events{
        event(20'000, "chat", R"("participant":"p2","name":"Lea","text":"Ich auch nicht")"),
        event(12'000, "chat", R"("participant":"p1","name":"Jonas","text":"Ich verstehe das nicht")"),
        event(25'000, "chat", R"("participant":"teacher","name":"Frau Müller","text":"Schaut auf Folie 2 😊")"),
        event(26'000, "chat", R"("participant":"p3","name":"Ali","text":"Danke")"),
        event(27'000, "chat", R"("participant":"p2","name":"Lea","text":"Jetzt ja")"),
        event(28'000, "chat", R"("participant":"p1","name":"Jonas")"), // no text: skipped
    };
    events.push_back(event(29'000, "chat", R"("participant":"p3","name":"Ali","text":"Noch eine Frage")"));
    const auto t = LessonTimeline::build("/raw/rec1", lesson(), events);
    REQUIRE(t.chat().size() == 4);
    CHECK(t.chat()[0].t_ms == 12'000);
    CHECK(t.chat()[0].name == "Jonas");
    CHECK(t.chat()[1].name == "Frau Müller");
    CHECK(t.chat()[1].text == "Schaut auf Folie 2 😊");
    CHECK(t.chat()[2].name == "Schüler·in 1"); // Ali: consent unknown, his text under a pseudonym
    CHECK(t.chat()[2].text == "Danke");
    CHECK(t.chat()[3].name == "Schüler·in 1"); // the same pupil keeps his pseudonym
    for (const auto& line : t.chat()) {        // Lea denied: neither her name nor her text
        CHECK(line.name.find("Lea") == std::string::npos);
        CHECK(line.name.find("Ali") == std::string::npos);
        CHECK(line.text != "Ich auch nicht");
        CHECK(line.text != "Jetzt ja");
    }
    CHECK(t.dropped_chat() == 2);
    CHECK(t.chat_count_at(0) == 0);
    CHECK(t.chat_count_at(11'999'999) == 0);
    CHECK(t.chat_count_at(12'000'000) == 1);
    CHECK(t.chat_count_at(26'500'000) == 3);
    CHECK(t.skipped_events() == 1);
}

TEST_CASE("timeline: whiteboard per page — added, updated, removed, cleared", "[unit]") {
    std::vector<ingest::Event> events{
        event(1'000, "draw_added", R"("id":"s1","deck":"d1","page":1,"shape":"pencil","points":[0.1,0.1,0.2,0.2],"color":"#FF0000","width":0.01)"),
        event(2'000, "draw_updated", R"("id":"s1","deck":"d1","page":1,"shape":"pencil","points":[0.1,0.1,0.2,0.2,0.3,0.1],"color":"#FF0000")"),
        event(3'000, "draw_added", R"("id":"s2","deck":"d1","page":1,"shape":"rectangle","points":[0.5,0.5,0.7,0.6],"color":"#00ff00")"),
        event(3'500, "draw_added", R"("id":"n1","deck":"d1","page":2,"shape":"note","points":[0.5,0.5,0.7,0.6],"text":"Merke!")"),
        event(4'000, "draw_removed", R"("id":"s1","deck":"d1","page":1)"),
        event(5'000, "draw_cleared", R"("deck":"d1","page":1)"),
        event(6'000, "draw_added", R"("id":"s3","deck":"d1","page":1,"shape":"star","points":[0,0,1,1])"), // unknown shape
        event(6'000, "draw_added", R"("id":"s4","deck":"d1","page":1,"shape":"line","points":[0,0,1])"),   // odd points
        event(6'000, "draw_added", R"("id":"s5","deck":"d9","page":1,"shape":"line","points":[0,0,1,1])"), // unknown deck
    };
    const auto t = LessonTimeline::build("/raw/rec1", lesson(), events);
    CHECK(t.skipped_events() == 3);
    const WhiteboardPage* p1 = t.whiteboard("d1", 1);
    REQUIRE(p1 != nullptr);
    CHECK(p1->shapes_at(999'999).empty());
    auto at1 = p1->shapes_at(1'000'000);
    REQUIRE(at1.size() == 1);
    CHECK(at1[0].kind == ShapeKind::pencil);
    CHECK(at1[0].rgb == 0xFF0000);
    CHECK(at1[0].width == 0.01);
    CHECK(p1->shapes_at(2'000'000)[0].points.size() == 6); // the update replaced the stroke
    auto at3 = p1->shapes_at(3'000'000);
    REQUIRE(at3.size() == 2);
    CHECK(at3[1].rgb == 0x00FF00);
    auto at4 = p1->shapes_at(4'000'000);
    REQUIRE(at4.size() == 1);
    CHECK(at4[0].id == "s2");
    CHECK(p1->shapes_at(5'000'000).empty());
    CHECK(p1->version_at(4'999'999) != p1->version_at(5'000'000));
    CHECK(p1->version_at(5'000'000) == p1->version_at(60'000'000));
    const WhiteboardPage* p2 = t.whiteboard("d1", 2);
    REQUIRE(p2 != nullptr);
    REQUIRE(p2->shapes_at(60'000'000).size() == 1);         // clearing page 1 keeps page 2
    CHECK(p2->shapes_at(60'000'000)[0].text == "Merke!");
    CHECK(t.whiteboard("d1", 3) == nullptr);
}

TEST_CASE("timeline: pan/zoom, cursor, screen share, webcams, talking, polls, chapters", "[unit]") {
    std::vector<ingest::Event> events{
        event(0, "slide", R"("deck":"d1","page":1)"),
        event(1'000, "slide_view", R"("x":0.25,"y":0.25,"w":0.5,"h":0.5)"),
        event(1'500, "slide_view", R"("x":0.8,"y":0,"w":0.5,"h":0.5)"),   // beyond the page: skipped
        event(3'000, "slide", R"("deck":"d1","page":2)"),                 // resets the view
        event(1'000, "cursor", R"("x":0.5,"y":0.4)"),
        event(2'000, "cursor", R"("hidden":true)"),
        event(4'000, "screenshare_started", R"("participant":"teacher","track":"t9")"),
        event(6'000, "screenshare_stopped", R"("participant":"teacher","track":"t9")"),
        event(1'000, "webcam_started", R"("participant":"p1","track":"t5")"),
        event(5'000, "webcam_stopped", R"("participant":"p1","track":"t5")"),
        event(1'000, "talking_started", R"("participant":"teacher")"),
        event(2'000, "talking_started", R"("participant":"p1")"),
        event(3'000, "talking_stopped", R"("participant":"p1")"),
        event(7'000, "poll_started", R"("id":"q1","question":"2/4 = ?","options":["1/2","1/4"])"),
        event(8'000, "poll_results", R"("id":"q1","votes":[3,1])"),
        event(9'000, "poll_results", R"("id":"q1","votes":[5,2])"),
        event(10'000, "poll_ended", R"("id":"q1")"),
        event(11'000, "poll_results", R"("id":"q7","votes":[1])"),       // never started: skipped
        event(2'000, "chapter", R"("title":"Einstieg")"),
    };
    const auto t = LessonTimeline::build("/raw/rec1", lesson(), events);
    CHECK(t.skipped_events() == 2);
    CHECK(t.view_at(500'000).whole());
    CHECK(t.view_at(2'000'000) == SlideView{0.25, 0.25, 0.5, 0.5});
    CHECK(t.view_at(3'000'000).whole());
    CHECK_FALSE(t.cursor_at(999'999).visible);
    CHECK(t.cursor_at(1'000'000) == CursorState{true, 0.5, 0.4});
    CHECK_FALSE(t.cursor_at(2'000'000).visible);
    CHECK(t.screenshare_at(3'999'999) == nullptr);
    REQUIRE(t.screenshare_at(4'000'000) != nullptr);
    CHECK(t.screenshare_at(5'999'999)->track == "t9");
    CHECK(t.screenshare_at(6'000'000) == nullptr);
    CHECK_FALSE(t.webcam_on("teacher", 2'000'000).has_value()); // no events: the track decides
    CHECK(t.webcam_on("p1", 500'000) == false);
    CHECK(t.webcam_on("p1", 1'000'000) == true);
    CHECK(t.webcam_on("p1", 5'000'000) == false);
    CHECK(t.talking_at(500'000).empty());
    CHECK(t.talking_at(1'500'000) == std::vector<std::string>{"teacher"});
    CHECK(t.talking_at(2'500'000) == std::vector<std::string>{"p1", "teacher"}); // latest first
    CHECK(t.talking_at(3'000'000) == std::vector<std::string>{"teacher"});
    CHECK(t.poll_at(7'500'000) == nullptr);                     // results, not the question, open the card
    REQUIRE(t.poll_at(8'000'000) != nullptr);
    CHECK(t.poll_at(8'000'000)->votes == std::vector<int>{3, 1});
    CHECK(t.poll_at(9'500'000)->votes == std::vector<int>{5, 2});
    CHECK(t.poll_at(9'500'000)->question == "2/4 = ?");
    CHECK(t.poll_at(10'000'000) == nullptr);
    REQUIRE(t.chapters().size() == 1);
    CHECK(t.chapters()[0].title == "Einstieg");
}

TEST_CASE("timeline: consent changes take effect from their instant", "[unit]") {
    std::vector<ingest::Event> events{
        event(1'000, "chat", R"("participant":"p1","name":"Jonas","text":"eins")"),
        event(2'000, "consent_changed", R"("participant":"p1","consent":"denied")"),
        event(3'000, "chat", R"("participant":"p1","name":"Jonas","text":"zwei")"),
        event(4'000, "consent_changed", R"("participant":"p3","consent":"granted")"),
        event(5'000, "chat", R"("participant":"p3","name":"Ali","text":"drei")"),
        event(5'500, "participant_joined", R"("participant":"p9","name":"Mia","role":"viewer","consent":"granted")"),
        event(6'000, "consent_changed", R"("participant":"teacher","consent":"denied")"),
    };
    auto info = lesson();
    info.participants[1].consent = ingest::Consent::denied;  // recording.json holds the latest value
    info.participants[3].consent = ingest::Consent::granted;
    info.participants.push_back({"p9", "Mia", ingest::Role::viewer, ingest::Consent::granted});
    const auto t = LessonTimeline::build("/raw/rec1", info, events);
    // Jonas changed his consent: before the change its earlier value is unknown → not recordable
    CHECK_FALSE(t.recordable_at("p1", 1'000'000));
    CHECK_FALSE(t.recordable_at("p1", 2'000'000));
    CHECK_FALSE(t.recordable_at("p3", 3'999'999));
    CHECK(t.recordable_at("p3", 4'000'000));
    CHECK(t.ever_recordable("p3"));
    CHECK_FALSE(t.ever_recordable("p2"));
    CHECK_FALSE(t.recordable_at("p9", 5'000'000)); // joined at 5.5 s with consent
    CHECK(t.recordable_at("p9", 5'500'000));
    CHECK(t.recordable_at("teacher", 7'000'000));  // moderators always
    CHECK(t.recordable_at("p2", 0) == false);
    REQUIRE(t.chat().size() == 2);
    CHECK(t.chat()[0].name == "Schüler·in 1"); // Jonas before his change: consent unknown
    CHECK(t.chat()[0].text == "eins");
    CHECK(t.chat()[1].name == "Ali"); // after his consent: his name
    CHECK(t.dropped_chat() == 1);     // "zwei": sent while denied
}

TEST_CASE("timeline: the recorder's was field gives the consent before the first change", "[unit]") {
    std::vector<ingest::Event> events{
        event(1'000, "chat", R"("participant":"p1","name":"Jonas","text":"eins")"),
        event(2'000, "consent_changed", R"("participant":"p1","consent":"granted","was":"denied")"),
        event(3'000, "chat", R"("participant":"p1","name":"Jonas","text":"zwei")"),
        event(4'000, "consent_changed", R"("participant":"p3","consent":"denied","was":"granted")"),
    };
    auto info = lesson();
    info.participants[1].consent = ingest::Consent::granted; // the latest values
    info.participants[3].consent = ingest::Consent::denied;
    const auto t = LessonTimeline::build("/raw/rec1", info, events);
    CHECK(t.consent_at("p1", 1'999'999) == ingest::Consent::denied);
    CHECK_FALSE(t.recordable_at("p1", 1'000'000));
    CHECK(t.recordable_at("p1", 2'000'000));
    CHECK(t.recordable_at("p3", 3'999'999)); // granted until his change
    CHECK_FALSE(t.recordable_at("p3", 4'000'000));
    REQUIRE(t.chat().size() == 1); // "eins" was sent while denied
    CHECK(t.chat()[0].name == "Jonas");
    CHECK(t.chat()[0].text == "zwei");
}

TEST_CASE("timeline: teacher_only - only moderators are recorded, whatever pupils consent to", "[unit]") {
    std::vector<ingest::Event> events{
        event(1'000, "chat", R"("participant":"p1","name":"Jonas","text":"eins")"),
        event(2'000, "chat", R"("participant":"teacher","name":"Frau Müller","text":"Guten Morgen")"),
        event(3'000, "chat", R"("participant":"p3","name":"Ali","text":"drei")"),
        event(4'000, "consent_changed", R"("participant":"p3","consent":"granted","was":"unknown")"),
        event(5'000, "chat", R"("participant":"p3","name":"Ali","text":"vier")"),
        event(6'000, "chat", R"("participant":"nobody","name":"Gast","text":"fünf")"),
    };
    auto info = lesson();
    info.policy = ConsentPolicy::teacher_only;
    const auto t = LessonTimeline::build("/raw/rec1", info, events);
    CHECK(t.policy() == ConsentPolicy::teacher_only);
    CHECK(t.recordable_at("teacher", 0));
    CHECK(t.ever_recordable("teacher"));
    CHECK_FALSE(t.recordable_at("p1", 0)); // consent granted, still not recorded
    CHECK_FALSE(t.ever_recordable("p1"));
    CHECK_FALSE(t.ever_recordable("p3"));
    CHECK(t.exposure_at("p1", 0) == ingest::Exposure::absent);
    REQUIRE(t.chat().size() == 1);
    CHECK(t.chat()[0].name == "Frau Müller");
    CHECK(t.dropped_chat() == 4);
    // The same lesson under the default policy: Jonas is recorded.
    info.policy = ConsentPolicy::consenting;
    const auto c = LessonTimeline::build("/raw/rec1", info, events);
    CHECK(c.recordable_at("p1", 0));
    CHECK(c.chat().size() == 5); // Gast (unknown id): pseudonym
}

TEST_CASE("timeline: a consent granted during the lesson, logged at join, counts from the join", "[unit]") {
    std::vector<ingest::Event> events{
        event(0, "participant_joined", R"("participant":"p1","name":"Jonas","role":"viewer","consent":"granted")"),
        event(2'000, "chat", R"("participant":"p1","name":"Jonas","text":"eins")"),
        event(3'000, "consent_changed", R"("participant":"p1","consent":"denied")"),
        event(4'000, "chat", R"("participant":"p1","name":"Jonas","text":"zwei")"),
    };
    auto info = lesson();
    info.participants[1].consent = ingest::Consent::denied;
    const auto t = LessonTimeline::build("/raw/rec1", info, events);
    CHECK(t.recordable_at("p1", 2'999'999));
    CHECK_FALSE(t.recordable_at("p1", 3'000'000));
    REQUIRE(t.chat().size() == 1);
    CHECK(t.chat()[0].name == "Jonas");
    CHECK(t.chat()[0].text == "eins"); // "zwei" came after the denial: dropped
}
