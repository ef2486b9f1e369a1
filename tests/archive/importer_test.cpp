// The importer on archives the tests write themselves, one generation at a time.
#include "archive/archive_clock.hpp"
#include "archive/importer.hpp"
#include "archive_builder.hpp"
#include "imported.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace tafel;
using namespace tafel::archive;
using namespace tafel::archive::test;
using nlohmann::json;

namespace {

const std::string k_meeting = "0123456789abcdef0123456789abcdef01234567-1700000000000";
constexpr std::int64_t k_t0 = 5'000'000;                     // monotonic ms of the first event
constexpr std::int64_t k_wall0_us = 1'700'000'000'000'000;    // the meeting id's creation time
std::int64_t wall(std::int64_t ts) { return k_wall0_us + (ts - k_t0) * 1000; }

std::vector<Segment> segments_of(const std::string& marks_xml) {
    auto parsed = parse_bbb_events(
        "<recording meeting_id=\"m-1700000000000\">"
        "<event timestamp=\"100\" module=\"X\" eventname=\"First\"/>" +
            marks_xml + "<event timestamp=\"9000\" module=\"X\" eventname=\"Last\"/></recording>",
        "test");
    REQUIRE(parsed);
    return recorded_segments(*parsed);
}

std::string mark(int ts, bool status) {
    return fmt::format("<event timestamp=\"{}\" module=\"PARTICIPANT\" eventname=\"RecordStatusEvent\">"
                       "<status>{}</status></event>",
                       ts, status);
}

} // namespace

TEST_CASE("recording marks cut segments as BBB does: sorted, paired in order whatever their status", "[unit]") {
    SECTION("no marks: the whole meeting") {
        auto s = segments_of("");
        REQUIRE(s.size() == 1);
        CHECK(s[0].start_ms == 100);
        CHECK(s[0].end_ms == 9000);
    }
    SECTION("two pairs, out of order and with the 'wrong' statuses") {
        auto s = segments_of(mark(5000, true) + mark(1000, false) + mark(7000, true) + mark(2000, true));
        REQUIRE(s.size() == 2);
        CHECK(s[0].start_ms == 1000);
        CHECK(s[0].end_ms == 2000);
        CHECK(s[1].start_ms == 5000);
        CHECK(s[1].end_ms == 7000);
    }
    SECTION("an odd count closes at the last event") {
        auto s = segments_of(mark(3000, false) + mark(1000, true) + mark(2000, false));
        REQUIRE(s.size() == 2);
        CHECK(s[1].start_ms == 3000);
        CHECK(s[1].end_ms == 9000);
    }
    SECTION("zero-length pairs enclose nothing") {
        auto s = segments_of(mark(3000, true) + mark(3000, false) + mark(4000, true));
        REQUIRE(s.size() == 1);
        CHECK(s[0].start_ms == 4000);
        CHECK(s[0].end_ms == 9000);
    }
}

TEST_CASE("2.x archive: segments, chat outside the marks dropped, slides and a webcam at their times", "[integration]") {
    TempDir tmp;
    ArchiveBuilder a(tmp.path() / "archive", k_meeting, "2.4.0");
    const std::string cam = "w_teacher_cam-1700000002000";
    a.event(k_t0, "PARTICIPANT", "ParticipantJoinEvent", {{"userId", "w_teacher"}, {"role", "MODERATOR"}, {"name", "Frau Müller"}})
        .event(k_t0 + 100, "PARTICIPANT", "ParticipantJoinEvent", {{"userId", "w_pupil"}, {"role", "VIEWER"}, {"name", "Jonas"}})
        .event(k_t0 + 200, "PRESENTATION", "ConversionCompletedEvent", {{"presentationName", "pres-1"}, {"originalFilename", "Brüche.pdf"}})
        .event(k_t0 + 300, "PRESENTATION", "SharePresentationEvent", {{"presentationName", "pres-1"}, {"share", "true"}})
        .event(k_t0 + 500, "CHAT", "PublicChatEvent", {{"message", "before"}, {"sender", "Jonas"}, {"senderId", "w_pupil"}})
        .event(k_t0 + 900, "VOICE", "StartRecordingEvent", {{"filename", "/var/freeswitch/meetings/" + k_meeting + "-1.opus"}})
        .event(k_t0 + 1000, "PARTICIPANT", "RecordStatusEvent", {{"status", "true"}})
        .event(k_t0 + 1500, "CHAT", "PublicChatEvent", {{"message", "first <b>"}, {"sender", "Frau Müller"}, {"senderId", "w_teacher"}})
        .event(k_t0 + 2000, "PRESENTATION", "GotoSlideEvent", {{"id", "pres-1/2"}, {"slide", "1"}})
        .event(k_t0 + 2000, "WEBRTC", "StartWebRTCShareEvent", {{"filename", "/var/kurento/recordings/" + k_meeting + "/" + cam + ".webm"}, {"stream", cam}})
        .event(k_t0 + 4000, "PARTICIPANT", "RecordStatusEvent", {{"status", "false"}})
        .event(k_t0 + 4500, "CHAT", "PublicChatEvent", {{"message", "between"}, {"sender", "Jonas"}, {"senderId", "w_pupil"}})
        .event(k_t0 + 5000, "PARTICIPANT", "RecordStatusEvent", {{"status", "true"}})
        .event(k_t0 + 5500, "CHAT", "PublicChatEvent", {{"message", "second"}, {"sender", "Jonas"}, {"senderId", "w_pupil"}})
        .event(k_t0 + 6000, "WEBRTC", "StopWebRTCShareEvent", {{"filename", "/var/kurento/recordings/" + k_meeting + "/" + cam + ".webm"}, {"stream", cam}})
        .event(k_t0 + 7000, "PARTICIPANT", "RecordStatusEvent", {{"status", "false"}})
        .event(k_t0 + 7500, "CHAT", "PublicChatEvent", {{"message", "after"}, {"sender", "Jonas"}, {"senderId", "w_pupil"}})
        .event(k_t0 + 8000, "PARTICIPANT", "ParticipantLeftEvent", {{"userId", "w_pupil"}});
    a.write_events();
    a.deck("pres-1", 3);
    a.webcam_webm(cam + ".webm", 4, "green");
    a.audio_opus(k_meeting + "-1.opus", 8);

    auto report = import_archive(a.dir(), tmp.path() / "raw");
    REQUIRE(report);
    INFO(report->describe_unsupported());
    CHECK(report->unsupported.empty());
    CHECK(report->generation == "2.0-2.5");
    CHECK_FALSE(report->epoch_timestamps);
    CHECK(report->segments == 2);
    CHECK(report->recorded_us == 5'000'000);
    CHECK(report->chat_kept == 2);
    CHECK(report->chat_dropped == 3);
    CHECK_FALSE(std::filesystem::exists(tmp.path() / "raw.importing"));

    const Imported raw = Imported::load(tmp.path() / "raw");
    CHECK(raw.recording["started_utc_us"] == wall(k_t0 + 1000));
    CHECK(raw.recording["stopped_utc_us"] == wall(k_t0 + 7000));
    // The gap between the segments is a pause.
    REQUIRE(raw.of_type("recording_paused").size() == 1);
    CHECK(raw.of_type("recording_paused")[0]["t_us"] == wall(k_t0 + 4000));
    CHECK(raw.of_type("recording_resumed")[0]["t_us"] == wall(k_t0 + 5000));
    // Only chat inside the marks, verbatim.
    const auto chat = raw.of_type("chat");
    REQUIRE(chat.size() == 2);
    CHECK(chat[0]["text"] == "first <b>");
    CHECK(chat[0]["t_us"] == wall(k_t0 + 1500));
    CHECK(chat[1]["text"] == "second");
    // The slide shared before the recording started shows from its first frame.
    const auto slides = raw.of_type("slide");
    REQUIRE(slides.size() == 2);
    CHECK(slides[0]["t_us"] == wall(k_t0 + 1000));
    CHECK(slides[0]["page"] == 1);
    CHECK(slides[1]["t_us"] == wall(k_t0 + 2000));
    CHECK(slides[1]["page"] == 2);
    REQUIRE(raw.recording["decks"].size() == 1);
    CHECK(raw.recording["decks"][0]["name"] == "Brüche.pdf");
    CHECK(raw.recording["decks"][0]["pages"] == 3);
    CHECK(std::filesystem::file_size(tmp.path() / "raw" / raw.recording["decks"][0]["file"].get<std::string>()) > 0);
    // The webcam: a file track owned by the teacher (from the stream name), placed at its start event.
    const auto started = raw.of_type("webcam_started");
    REQUIRE(started.size() == 1);
    CHECK(started[0]["t_us"] == wall(k_t0 + 2000));
    CHECK(started[0]["participant"] == "w_teacher");
    const json* cam_track = raw.track(started[0]["track"]);
    REQUIRE(cam_track != nullptr);
    CHECK((*cam_track)["container"] == "webm");
    CHECK((*cam_track)["start_utc_us"] == wall(k_t0 + 2000));
    CHECK((*cam_track)["codec"] == "VP8");
    CHECK(std::filesystem::exists(tmp.path() / "raw" / (*cam_track)["file"].get<std::string>()));
    REQUIRE(raw.of_type("webcam_stopped").size() == 1);
    CHECK(raw.of_type("webcam_stopped")[0]["t_us"] == wall(k_t0 + 6000));
    // The conference audio starts when FreeSWITCH started writing it (before the first mark).
    const json* audio = raw.track("a1");
    REQUIRE(audio != nullptr);
    CHECK((*audio)["container"] == "opus");
    CHECK((*audio)["start_utc_us"] == wall(k_t0 + 900));
    // Participants from the joins; the pupil's consent is unknown.
    bool pupil = false;
    for (const auto& p : raw.recording["participants"]) {
        if (p["id"] == "w_pupil") {
            pupil = true;
            CHECK(p["role"] == "viewer");
            CHECK(p["consent"] == "unknown");
        }
    }
    CHECK(pupil);
}

TEST_CASE("legacy whiteboard: percent coordinates, DRAW_START/UPDATE/END, undo, clear, unknown shapes reported",
          "[integration]") {
    TempDir tmp;
    ArchiveBuilder a(tmp.path() / "archive", k_meeting, "2.2.0");
    const auto shape = [&](std::int64_t ts, const std::string& id, const std::string& type, const std::string& status,
                           const std::string& points) {
        a.event(ts, "WHITEBOARD", "AddShapeEvent",
                {{"type", type}, {"status", status}, {"shapeId", id}, {"id", id}, {"dataPoints", points},
                 {"color", "16711680"}, {"thickness", "0.5"}, {"whiteboardId", "pres-1/1"}, {"presentation", "pres-1"}});
    };
    a.event(k_t0, "PARTICIPANT", "ParticipantJoinEvent", {{"userId", "w_t"}, {"role", "MODERATOR"}, {"name", "T"}})
        .event(k_t0 + 10, "PRESENTATION", "SharePresentationEvent", {{"presentationName", "pres-1"}, {"share", "true"}});
    shape(k_t0 + 1000, "s1", "pencil", "DRAW_START", "10,20,15,25");
    shape(k_t0 + 2000, "s1", "pencil", "DRAW_UPDATE", "10,20,15,25,20,30");
    shape(k_t0 + 3000, "s1", "pencil", "DRAW_END", "10,20,15,25,20,30,25,35");
    shape(k_t0 + 4000, "s2", "rectangle", "DRAW_END", "50,50,75,80");
    shape(k_t0 + 4500, "s3", "star", "DRAW_END", "1,2,3,4");
    a.event(k_t0 + 5000, "WHITEBOARD", "UndoShapeEvent", {{"shapeId", "s2"}, {"whiteboardId", "pres-1/1"}});
    shape(k_t0 + 6000, "s4", "line", "DRAW_END", "0,0,100,100");
    a.event(k_t0 + 6500, "WHITEBOARD", "AddShapeEvent",
            {{"type", "poll_result"}, {"status", "DRAW_END"}, {"shapeId", "poll"}, {"dataPoints", "66.0,86.68,34.0,13.32"},
             {"result", R"([{"num_votes":3,"id":0,"key":"Ja"},{"num_votes":1,"id":1,"key":"Nein"}])"},
             {"whiteboardId", "pres-1/1"}});
    a.event(k_t0 + 7000, "WHITEBOARD", "ClearPageEvent", {{"whiteboardId", "pres-1/1"}})
        .event(k_t0 + 7500, "FUTURE", "HologramEvent", {{"x", "1"}})
        .event(k_t0 + 7600, "FUTURE", "HologramEvent", {{"x", "2"}})
        .event(k_t0 + 8000, "PARTICIPANT", "ParticipantLeftEvent", {{"userId", "w_t"}});
    a.write_events();
    a.deck("pres-1", 1);

    auto report = import_archive(a.dir(), tmp.path() / "raw");
    REQUIRE(report);
    CHECK(report->segments == 1); // no marks: the whole meeting
    CHECK(report->unsupported == std::map<std::string, int>{{"AddShapeEvent/star", 1}, {"HologramEvent", 2}});
    const Imported raw = Imported::load(tmp.path() / "raw");
    CHECK(raw.of_type("bbb_unsupported").size() == 2); // kept, not drawn

    auto at = raw.shapes_at(wall(k_t0 + 2000));
    REQUIRE(at.size() == 1);
    CHECK(at["s1"]["shape"] == "pencil");
    CHECK(at["s1"]["points"] == json::array({0.10, 0.20, 0.15, 0.25, 0.20, 0.30}));
    CHECK(at["s1"]["color"] == "#FF0000");
    CHECK(at["s1"]["width"].get<double>() == Approx(0.005));

    at = raw.shapes_at(wall(k_t0 + 4000));
    REQUIRE(at.size() == 2);
    CHECK(at["s1"]["points"].size() == 8);
    CHECK(at["s2"]["shape"] == "rectangle");
    CHECK(at["s2"]["points"] == json::array({0.50, 0.50, 0.75, 0.80}));

    at = raw.shapes_at(wall(k_t0 + 5000));
    CHECK(at.size() == 1);
    CHECK_FALSE(at.contains("s2"));

    at = raw.shapes_at(wall(k_t0 + 6500));
    REQUIRE(at.size() == 3);
    CHECK(at["poll"]["shape"] == "note");
    CHECK(at["poll"]["text"] == "Ja: 3\nNein: 1\n");

    CHECK(raw.shapes_at(wall(k_t0 + 7000)).empty());
}

TEST_CASE("tldraw whiteboard (2.6+): partial shapeData deep-merged, deleted shapes gone", "[integration]") {
    TempDir tmp;
    ArchiveBuilder a(tmp.path() / "archive", k_meeting, "2.6.1");
    const auto tl = [&](std::int64_t ts, const std::string& id, const std::string& data) {
        a.event(ts, "WHITEBOARD", "AddTldrawShapeEvent",
                {{"shapeId", id}, {"shapeData", data}, {"whiteboardId", "pres-1/1"}, {"presentation", "pres-1"},
                 {"pageNumber", "0"}});
    };
    a.event(k_t0, "PARTICIPANT", "ParticipantJoinEvent", {{"userId", "w_t"}, {"role", "MODERATOR"}, {"name", "T"}})
        .event(k_t0 + 10, "PRESENTATION", "SharePresentationEvent", {{"presentationName", "pres-1"}, {"share", "true"}});
    tl(k_t0 + 1000, "d1",
       R"({"id":"d1","type":"draw","point":[192,108],"points":[[0,0,0.5],[96,54,0.5]],"style":{"color":"red","size":"small","scale":1,"dash":"draw"}})");
    tl(k_t0 + 2000, "d1", R"({"points":[[0,0,0.5],[96,54,0.5],[192,108,0.5]]})");
    tl(k_t0 + 3000, "d1", R"({"style":{"color":"blue"}})");
    tl(k_t0 + 4000, "r1", R"({"id":"r1","type":"rectangle","point":[960,540],"size":[192,108],"style":{"color":"green","size":"large","scale":1}})");
    tl(k_t0 + 4500, "r1", R"({"point":[0,0]})");
    tl(k_t0 + 4600, "i1", R"({"id":"i1","type":"image","point":[0,0]})");
    a.event(k_t0 + 5000, "WHITEBOARD", "DeleteTldrawShapeEvent",
            {{"shapeId", "r1"}, {"whiteboardId", "pres-1/1"}, {"presentation", "pres-1"}})
        .event(k_t0 + 6000, "WHITEBOARD", "WhiteboardCursorMoveEvent",
               {{"xOffset", "960"}, {"yOffset", "270"}, {"whiteboardId", "pres-1/1"}})
        .event(k_t0 + 7000, "PARTICIPANT", "ParticipantLeftEvent", {{"userId", "w_t"}});
    a.write_events();
    a.deck("pres-1", 1);

    auto report = import_archive(a.dir(), tmp.path() / "raw");
    REQUIRE(report);
    CHECK(report->generation == "2.6+");
    CHECK(report->unsupported == std::map<std::string, int>{{"AddTldrawShapeEvent/image", 1}});
    const Imported raw = Imported::load(tmp.path() / "raw");

    auto at = raw.shapes_at(wall(k_t0 + 2000));
    REQUIRE(at.size() == 1);
    CHECK(at["d1"]["shape"] == "pencil");
    CHECK(at["d1"]["points"] == json::array({0.1, 0.1, 0.15, 0.15, 0.2, 0.2}));
    CHECK(at["d1"]["color"] == "#FF2133");
    CHECK(at["d1"]["width"].get<double>() == Approx(2.0 / 1920));

    at = raw.shapes_at(wall(k_t0 + 3000));
    CHECK(at["d1"]["color"] == "#1C7ED6");                   // merged: colour replaced
    CHECK(at["d1"]["width"].get<double>() == Approx(2.0 / 1920)); // size kept from the first event
    CHECK(at["d1"]["points"].size() == 6);

    at = raw.shapes_at(wall(k_t0 + 4000));
    REQUIRE(at.contains("r1"));
    CHECK(at["r1"]["shape"] == "rectangle");
    CHECK(at["r1"]["points"] == json::array({0.5, 0.5, 0.6, 0.6}));
    at = raw.shapes_at(wall(k_t0 + 4500));
    CHECK(at["r1"]["points"] == json::array({0.0, 0.0, 0.1, 0.1})); // moved, size kept

    at = raw.shapes_at(wall(k_t0 + 5000));
    CHECK(at.size() == 1);
    CHECK_FALSE(at.contains("r1"));

    const auto cursor = raw.of_type("cursor");
    REQUIRE(cursor.size() == 1);
    CHECK(cursor[0]["x"].get<double>() == Approx(0.5));
    CHECK(cursor[0]["y"].get<double>() == Approx(0.25));
}

TEST_CASE("0.8 archive: epoch-ms timestamps, Flash webcam and Deskshare, WAV audio", "[integration]") {
    TempDir tmp;
    constexpr std::int64_t e0 = 1'400'000'000'000; // epoch ms
    const std::string meeting = "183f0bf3a0982a127bdb8161e0c44eb696b3e75c-1399999999000";
    ArchiveBuilder a(tmp.path() / "archive", meeting, "");
    const std::string stream = "160x120-w_t-1400000001000";
    a.event(e0, "PARTICIPANT", "ParticipantJoinEvent", {{"userId", "w_t"}, {"role", "MODERATOR"}, {"name", "T"}})
        .event(e0 + 500, "VOICE", "StartRecordingEvent", {{"filename", "/var/freeswitch/meetings/" + meeting + "-1.wav"}})
        .event(e0 + 1000, "WEBCAM", "StartWebcamShareEvent", {{"stream", stream}})
        .event(e0 + 1500, "Deskshare", "DeskshareStartedEvent", {{"file", "/var/bigbluebutton/deskshare/ds-1.flv"}})
        .event(e0 + 2500, "Deskshare", "DeskshareStoppedEvent", {{"file", "/var/bigbluebutton/deskshare/ds-1.flv"}})
        .event(e0 + 3000, "WEBCAM", "StopWebcamShareEvent", {{"stream", stream}})
        .event(e0 + 4000, "PARTICIPANT", "ParticipantLeftEvent", {{"userId", "w_t"}});
    a.write_events();
    a.webcam_flv(stream + ".flv", 2, "blue");
    a.audio_wav(meeting + "-1.wav", 4);
    std::filesystem::create_directories(a.dir() / "deskshare");
    std::filesystem::copy_file(a.dir() / "video" / meeting / (stream + ".flv"), a.dir() / "deskshare" / "ds-1.flv");

    auto report = import_archive(a.dir(), tmp.path() / "raw");
    REQUIRE(report);
    INFO(report->describe_unsupported());
    CHECK(report->unsupported.empty());
    CHECK(report->generation == "0.8");
    CHECK(report->epoch_timestamps);
    CHECK(report->webcams == 1);
    CHECK(report->screenshares == 1);
    const Imported raw = Imported::load(tmp.path() / "raw");
    // Epoch timestamps are wall time as they stand (not offset by the meeting id's suffix).
    CHECK(raw.recording["started_utc_us"] == e0 * 1000);
    CHECK(raw.recording["stopped_utc_us"] == (e0 + 4000) * 1000);
    const auto cam = raw.of_type("webcam_started");
    REQUIRE(cam.size() == 1);
    CHECK(cam[0]["participant"] == "w_t");
    const json* t = raw.track(cam[0]["track"]);
    REQUIRE(t != nullptr);
    CHECK((*t)["container"] == "flv");
    CHECK((*t)["start_utc_us"] == (e0 + 1000) * 1000);
    const auto share = raw.of_type("screenshare_started");
    REQUIRE(share.size() == 1);
    CHECK(share[0]["t_us"] == (e0 + 1500) * 1000);
    CHECK(raw.of_type("screenshare_stopped").size() == 1);
    const json* wav = raw.track("a1");
    REQUIRE(wav != nullptr);
    CHECK((*wav)["container"] == "wav");
    CHECK((*wav)["start_utc_us"] == (e0 + 500) * 1000);
}

TEST_CASE("monotonic timestamps take the wall clock from timestampUTC when present", "[integration]") {
    TempDir tmp;
    ArchiveBuilder a(tmp.path() / "archive", k_meeting, "2.5.0");
    constexpr std::int64_t utc = 1'684'350'000'000;
    a.event(30'000'000, "PARTICIPANT", "ParticipantJoinEvent",
            {{"userId", "w_t"}, {"role", "MODERATOR"}, {"name", "T"}, {"timestampUTC", std::to_string(utc)}})
        .event(30'002'000, "PARTICIPANT", "ParticipantLeftEvent", {{"userId", "w_t"}});
    a.write_events();
    auto report = import_archive(a.dir(), tmp.path() / "raw");
    REQUIRE(report);
    CHECK_FALSE(report->epoch_timestamps);
    CHECK(report->started_utc_us == utc * 1000); // not the meeting id's 1700000000000
    CHECK(report->duration_us == 2'000'000);
}

TEST_CASE("broken archives fail naming the file and the event, leaving nothing behind", "[integration]") {
    TempDir tmp;
    ArchiveBuilder a(tmp.path() / "archive", k_meeting, "2.4.0");
    const std::string cam = "w_t_cam-1";
    a.event(k_t0, "PARTICIPANT", "ParticipantJoinEvent", {{"userId", "w_t"}, {"role", "MODERATOR"}, {"name", "T"}})
        .event(k_t0 + 100, "PRESENTATION", "SharePresentationEvent", {{"presentationName", "pres-1"}, {"share", "true"}})
        .event(k_t0 + 200, "WEBRTC", "StartWebRTCShareEvent", {{"filename", "/var/kurento/recordings/x/" + cam + ".webm"}})
        .event(k_t0 + 3000, "PARTICIPANT", "ParticipantLeftEvent", {{"userId", "w_t"}});

    SECTION("truncated events.xml") {
        a.write_events(700);
        auto r = import_archive(a.dir(), tmp.path() / "raw");
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::malformed_input);
        CHECK_THAT(r.error().message, Catch::Contains("events.xml") && Catch::Contains("byte"));
    }
    SECTION("missing webcam file") {
        a.write_events();
        a.deck("pres-1", 2);
        auto r = import_archive(a.dir(), tmp.path() / "raw");
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::not_found);
        CHECK_THAT(r.error().message, Catch::Contains(cam + ".webm") && Catch::Contains("StartWebRTCShareEvent"));
    }
    SECTION("unreadable PDF") {
        a.write_events();
        std::filesystem::create_directories(a.dir() / "presentation" / "pres-1");
        std::ofstream(a.dir() / "presentation" / "pres-1" / "pres-1.pdf") << "this is not a PDF";
        auto r = import_archive(a.dir(), tmp.path() / "raw");
        REQUIRE_FALSE(r);
        CHECK_THAT(r.error().message, Catch::Contains("pres-1.pdf") && Catch::Contains("not a readable PDF") &&
                                          Catch::Contains("SharePresentationEvent"));
    }
    CHECK_FALSE(std::filesystem::exists(tmp.path() / "raw"));
    CHECK_FALSE(std::filesystem::exists(tmp.path() / "raw.importing"));
}
