#include "samples/simulator.hpp"

#include "fake_recorder.hpp"
#include "udp_probe.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <stop_token>

using namespace tafel::samples;
using tafel::samples::test::FakeRecorder;
using tafel::samples::test::UdpCounts;
using tafel::samples::test::UdpProbe;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

SimulatorOptions short_lesson(const FakeRecorder& recorder, std::int64_t duration_ms) {
    SimulatorOptions o;
    o.control_url = recorder.url();
    o.duration_ms = duration_ms;
    o.slide_interval_ms = 1000;
    o.chat_messages = 2;
    o.work_dir = std::filesystem::temp_directory_path() / ("tafel-sim-test-" + std::to_string(::getpid()));
    return o;
}

std::vector<json> posted_events(const std::vector<tafel::samples::test::RecordedRequest>& requests) {
    std::vector<json> events;
    for (const auto& r : requests) {
        if (!r.target.ends_with("/events")) continue;
        for (const auto& e : json::parse(r.body)) events.push_back(e);
    }
    return events;
}

} // namespace

TEST_CASE("simulate plays a short lesson into the control API and sends RTP to the granted ports", "[integration]") {
    UdpProbe video, teacher_audio, pupil_audio;
    FakeRecorder recorder({video.port(), teacher_audio.port(), pupil_audio.port()});
    std::vector<std::string> status;
    const auto began = std::chrono::steady_clock::now();
    auto lesson = simulate(short_lesson(recorder, 3000), [&](std::string_view line) { status.emplace_back(line); });
    const auto took = std::chrono::steady_clock::now() - began;
    REQUIRE(lesson);
    CHECK(lesson->recording_id == "rec-1");
    CHECK(took >= 3s); // real time: the lesson lasts as long as it says
    CHECK(lesson->stopped_utc_us - lesson->started_utc_us >= 3'000'000);

    const auto requests = recorder.requests();
    REQUIRE(requests.size() >= 7);
    // 1. the session, with both participants and their consent
    CHECK(requests[0].target == "/api/v1/sessions");
    const json session = json::parse(requests[0].body);
    CHECK(session["meeting_id"] == "demo-mathe-7b");
    CHECK(session["name"] == "Mathe 7b – Brüche");
    CHECK(session["participants"].size() == 2);
    CHECK(session["participants"][1] ==
          json{{"id", "pupil1"}, {"name", "Jonas Weiß"}, {"role", "viewer"}, {"consent", "granted"}});
    // 2. three streams: teacher VP8 + Opus, pupil Opus
    const json v = json::parse(requests[1].body);
    CHECK(v == json{{"kind", "video"}, {"codec", "VP8"}, {"payload_type", 96}, {"clock_rate", 90000},
                    {"participant", "teacher"}});
    const json a = json::parse(requests[3].body);
    CHECK(a == json{{"kind", "audio"}, {"codec", "opus"}, {"payload_type", 111}, {"clock_rate", 48000},
                    {"channels", 2}, {"participant", "pupil1"}});
    // 3. the deck as PDF bytes, its UTF-8 name percent-encoded
    CHECK(requests[4].target == "/api/v1/sessions/rec-1/decks?name=Br%C3%BCche.pdf");
    CHECK(requests[4].content_type == "application/pdf");
    CHECK(requests[4].body.starts_with("%PDF-"));
    // 4. the session is stopped last
    CHECK(requests.back().target == "/api/v1/sessions/rec-1/stop");

    // Joins + page 1 at t=0, slides at 1 s and 2 s, chat at 1 s and 2 s.
    const auto events = posted_events(requests);
    REQUIRE(events.size() == 7);
    CHECK(events[0]["type"] == "participant_joined");
    CHECK(events[2] == json{{"type", "slide"}, {"deck", "d1"}, {"page", 1}, {"t_us", events[2]["t_us"]}});
    std::int64_t last_t = 0;
    int slides = 0;
    for (const auto& e : events) {
        CHECK(e["t_us"].get<std::int64_t>() >= last_t);
        last_t = e["t_us"];
        if (e["type"] == "slide") {
            CHECK(e["t_us"].get<std::int64_t>() - lesson->started_utc_us >= (e["page"].get<int>() - 1) * 1'000'000);
            ++slides;
        }
    }
    CHECK(slides == 3);
    CHECK(lesson->events.size() == 7);

    // The media reached the granted ports, each with sender reports.
    auto has = [](int pt) {
        return [pt](const UdpCounts& c) { return c.rtp_by_pt.count(pt) && c.sender_reports >= 1; };
    };
    CHECK(video.wait_for(has(96), 1s));
    CHECK(teacher_audio.wait_for(has(111), 1s));
    CHECK(pupil_audio.wait_for(has(111), 1s));
    CHECK(video.counts().rtp_by_pt[96] >= 30); // ≥ 2 s of 15 fps video

    REQUIRE_FALSE(status.empty());
    CHECK(status.front().find("rec-1") != std::string::npos);
    std::filesystem::remove_all(short_lesson(recorder, 1).work_dir);
}

TEST_CASE("simulate names the refused request and still stops the session", "[integration]") {
    FakeRecorder recorder({40000, 40002, 40004}, 400);
    auto lesson = simulate(short_lesson(recorder, 3000));
    REQUIRE_FALSE(lesson);
    CHECK(lesson.error().message.find("POST /api/v1/sessions/rec-1/streams") != std::string::npos);
    CHECK(lesson.error().message.find("400") != std::string::npos);
    CHECK(lesson.error().message.find("codec: not supported") != std::string::npos);
    const auto requests = recorder.requests();
    REQUIRE_FALSE(requests.empty());
    CHECK(requests.back().target == "/api/v1/sessions/rec-1/stop");
}

TEST_CASE("simulate ends early on a stop request and finalises the session", "[integration]") {
    UdpProbe video, teacher_audio, pupil_audio;
    FakeRecorder recorder({video.port(), teacher_audio.port(), pupil_audio.port()});
    std::stop_source stop;
    const auto began = std::chrono::steady_clock::now();
    auto lesson = simulate(
        short_lesson(recorder, 60'000),
        [&](std::string_view line) {
            if (line.starts_with("slide 2/")) stop.request_stop();
        },
        stop.get_token());
    REQUIRE(lesson);
    CHECK(lesson->cancelled);
    CHECK(std::chrono::steady_clock::now() - began < 20s);
    CHECK(recorder.requests().back().target == "/api/v1/sessions/rec-1/stop");
}

TEST_CASE("simulate reports an unreachable recorder by its address", "[integration]") {
    SimulatorOptions o;
    o.control_url = "http://127.0.0.1:1"; // nothing listens on port 1
    o.duration_ms = 1000;
    auto lesson = simulate(o);
    REQUIRE_FALSE(lesson);
    CHECK(lesson.error().message.find("127.0.0.1:1") != std::string::npos);
    CHECK(lesson.error().message.find("POST /api/v1/sessions") != std::string::npos);

    auto bad = simulate(SimulatorOptions{.control_url = "ftp://x"});
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("ftp://x") != std::string::npos);
}
