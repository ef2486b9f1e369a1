#include "ingest/event_log.hpp"
#include "ingest/raw_recording.hpp"
#include "tests/support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>

using namespace tafel;
using namespace tafel::ingest;

namespace {

RecordingInfo sample() {
    RecordingInfo info;
    info.id = "abc-1700000000000";
    info.meeting = {"m-7b", "Mathe 7b", "klasse-7b"};
    info.started = WallTime{1'700'000'000'000'000};
    info.anchor = ClockAnchor{ArrivalTime{123'456'789}, WallTime{1'700'000'000'000'000}};
    info.participants = {{"teacher", "Frau Müller", Role::moderator, Consent::unknown},
                         {"pupil1", "Jonas", Role::viewer, Consent::granted},
                         {"pupil2", "Mia", Role::viewer, Consent::denied}};
    info.tracks = {{"t1", MediaKind::video, "VP8", 96, 90000, 0, "teacher", 40000, "tracks/t1.pcap"},
                   {"t2", MediaKind::audio, "opus", 111, 48000, 2, "teacher", 40002, "tracks/t2.pcap"}};
    info.decks = {{"d1", "Brüche.pdf", "slides/d1.pdf", 6}};
    return info;
}

void write_text(const std::filesystem::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary);
    out << text;
}

} // namespace

TEST_CASE("recording.json round-trips every field in the documented format", "[unit][ingest][raw]") {
    tafel::test::TempDir dir("tafel-raw-roundtrip");
    auto info = sample();
    REQUIRE(write_recording_info(dir.path(), info));
    CHECK_FALSE(std::filesystem::exists(dir.path() / "recording.json.tmp"));

    std::ifstream in(dir.path() / "recording.json");
    const auto j = nlohmann::json::parse(in);
    CHECK(j["format"] == "tafel-raw/1");
    CHECK(j["anchor"]["arrival_ns"] == 123'456'789);
    CHECK(j["tracks"][1]["channels"] == 2);
    CHECK_FALSE(j.contains("stopped_utc_us"));   // absent while recording
    CHECK(j["participants"][0]["name"] == "Frau Müller");

    auto back = read_recording_info(dir.path());
    REQUIRE(back);
    CHECK(back->id == info.id);
    CHECK(back->meeting.name == "Mathe 7b");
    CHECK(back->meeting.context == "klasse-7b");
    CHECK(back->started == info.started);
    CHECK_FALSE(back->stopped);
    CHECK(back->anchor.arrival == info.anchor.arrival);
    CHECK(back->anchor.wall == info.anchor.wall);
    REQUIRE(back->participants.size() == 3);
    CHECK(back->policy == ConsentPolicy::consenting);
    CHECK(j["consent_policy"] == "consenting");
    CHECK(back->participant("teacher")->recordable(back->policy));
    CHECK(back->participant("pupil1")->recordable(back->policy));
    CHECK_FALSE(back->participant("pupil2")->recordable(back->policy));
    CHECK(back->participant("nobody") == nullptr);
    REQUIRE(back->tracks.size() == 2);
    CHECK(back->tracks[1].kind == MediaKind::audio);
    CHECK(back->tracks[1].codec == "opus");
    CHECK(back->tracks[1].clock_rate == 48000);
    CHECK(back->tracks[1].port == 40002);
    CHECK(back->tracks[0].file == "tracks/t1.pcap");
    REQUIRE(back->decks.size() == 1);
    CHECK(back->decks[0].pages == 6);
    CHECK(back->decks[0].name == "Brüche.pdf");

    info.policy = ConsentPolicy::teacher_only;
    REQUIRE(write_recording_info(dir.path(), info));
    auto teacher_only = read_recording_info(dir.path());
    REQUIRE(teacher_only);
    CHECK(teacher_only->policy == ConsentPolicy::teacher_only);
    CHECK(teacher_only->participant("teacher")->recordable(teacher_only->policy));
    CHECK_FALSE(teacher_only->participant("pupil1")->recordable(teacher_only->policy)); // consent granted
    info.policy = ConsentPolicy::consenting;

    info.stopped = WallTime{1'700'000'120'000'000};
    REQUIRE(write_recording_info(dir.path(), info));
    back = read_recording_info(dir.path());
    REQUIRE(back);
    REQUIRE(back->stopped);
    CHECK(back->stopped->utc_us == 1'700'000'120'000'000);
}

TEST_CASE("a broken recording.json is an error naming the file and field", "[unit][ingest][raw]") {
    tafel::test::TempDir dir("tafel-raw-broken");
    auto missing = read_recording_info(dir.path());
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == Errc::not_found);

    write_text(dir.path() / "recording.json", R"({"format":"tafel-raw/1","id":"x","meeting":{"id":"m"},"anchor":{"arrival_ns":1,"wall_utc_us":2}})");
    auto r = read_recording_info(dir.path());
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("recording.json") && Catch::Contains("started_utc_us"));

    write_text(dir.path() / "recording.json",
               R"({"format":"tafel-raw/1","id":"x","meeting":{"id":"m"},"started_utc_us":1,)"
               R"("anchor":{"arrival_ns":1,"wall_utc_us":2},"participants":[{"id":"p","role":"boss"}]})");
    r = read_recording_info(dir.path());
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("boss"));

    write_text(dir.path() / "recording.json", "{not json");
    r = read_recording_info(dir.path());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::malformed_input);
}

TEST_CASE("the event log appends lines that read back as events", "[unit][ingest][events]") {
    tafel::test::TempDir dir("tafel-events");
    {
        auto log = EventLog::open(dir.path());
        REQUIRE(log);
        auto line = log->append(R"({"type":"chat","participant":"pupil1","name":"Jonas","text":"Hallo\nzusammen"})",
                                WallTime{1000});
        REQUIRE(line);
        CHECK(line->find('\n') == std::string::npos);
        REQUIRE(log->append(R"({"type":"slide","deck":"d1","page":2,"t_us":2000})", WallTime{9999}));
        REQUIRE(log->append(R"({"type":"whiteboard_future_type","t_us":3000,"x":[1,2]})", WallTime{0}));
        auto bad = log->append(R"({"t_us":5})", WallTime{0});
        REQUIRE_FALSE(bad);
        CHECK_THAT(bad.error().message, Catch::Contains("type"));
        bad = log->append(R"({"type":"chat","t_us":"soon"})", WallTime{0});
        REQUIRE_FALSE(bad);
        CHECK_THAT(bad.error().message, Catch::Contains("t_us"));
        REQUIRE(log->close());
    }
    auto events = read_events(dir.path());
    REQUIRE(events);
    REQUIRE(events->size() == 3);
    CHECK((*events)[0].type == "chat");
    CHECK((*events)[0].time.utc_us == 1000);   // t_us filled in from the arrival
    CHECK(nlohmann::json::parse((*events)[0].json)["text"] == "Hallo\nzusammen");
    CHECK((*events)[1].time.utc_us == 2000);   // given t_us kept
    CHECK((*events)[2].type == "whiteboard_future_type");
    CHECK(nlohmann::json::parse((*events)[2].json)["x"][1] == 2);
}

TEST_CASE("events.jsonl: a torn last line is dropped, a bad line elsewhere names its number", "[unit][ingest][events]") {
    tafel::test::TempDir dir("tafel-events-torn");
    write_text(dir.path() / "events.jsonl",
               "{\"t_us\":1,\"type\":\"chat\"}\n{\"t_us\":2,\"type\":\"slide\"}\n{\"t_us\":3,\"ty");
    auto events = read_events(dir.path());
    REQUIRE(events);
    CHECK(events->size() == 2);

    write_text(dir.path() / "events.jsonl", "{\"t_us\":1,\"type\":\"chat\"}\n{oops}\n{\"t_us\":3,\"type\":\"x\"}\n");
    events = read_events(dir.path());
    REQUIRE_FALSE(events);
    CHECK_THAT(events.error().message, Catch::Contains("events.jsonl:2"));

    write_text(dir.path() / "events.jsonl", "{\"t_us\":1,\"type\":\"chat\"}\n{\"type\":\"chat\"}\n");
    events = read_events(dir.path());
    REQUIRE_FALSE(events);
    CHECK_THAT(events.error().message, Catch::Contains(":2") && Catch::Contains("t_us"));
}

TEST_CASE("exposure: what of a participant a recording may hold, by role, consent and policy", "[unit][ingest][raw]") {
    using enum Consent;
    CHECK(exposure(Role::moderator, denied, ConsentPolicy::consenting) == Exposure::named);
    CHECK(exposure(Role::moderator, unknown, ConsentPolicy::teacher_only) == Exposure::named);
    CHECK(exposure(Role::viewer, granted, ConsentPolicy::consenting) == Exposure::named);
    CHECK(exposure(Role::viewer, unknown, ConsentPolicy::consenting) == Exposure::pseudonym);
    CHECK(exposure(Role::viewer, denied, ConsentPolicy::consenting) == Exposure::absent);
    CHECK(exposure(Role::viewer, granted, ConsentPolicy::teacher_only) == Exposure::absent);
    CHECK(exposure(Role::viewer, unknown, ConsentPolicy::teacher_only) == Exposure::absent);
}

TEST_CASE("recording.json without consent_policy reads as consenting, an unknown one is an error naming it",
          "[unit][ingest][raw]") {
    tafel::test::TempDir dir("tafel-raw-policy");
    REQUIRE(write_recording_info(dir.path(), sample()));
    std::ifstream in(dir.path() / "recording.json");
    auto j = nlohmann::json::parse(in);
    j.erase("consent_policy");
    write_text(dir.path() / "recording.json", j.dump());
    auto old = read_recording_info(dir.path());
    REQUIRE(old);
    CHECK(old->policy == ConsentPolicy::consenting);
    j["consent_policy"] = "everyone";
    write_text(dir.path() / "recording.json", j.dump());
    auto bad = read_recording_info(dir.path());
    REQUIRE_FALSE(bad);
    CHECK_THAT(bad.error().message, Catch::Contains("consent_policy"));
    CHECK_THAT(bad.error().message, Catch::Contains("everyone"));
}
