// bbb-webrtc-recorder's Redis protocol against a real redis-server, the SFU's side written
// by hand: keepalive, errors, unknown sessions, and a mediasoup-shaped offer answered by
// webrtcbin (no media flows here: tests/bbb's browser test covers that).
#include "bbb/bbb_recorder.hpp"
#include "bbb/sdp_envelope.hpp"
#include "core/ids.hpp"
#include "mediasoup_offer.hpp"
#include "redis_fixture.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>

using namespace tafel;
using namespace tafel::bbb;
using namespace tafel::bbb::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string start_message(const std::string& session, const std::string& file, const std::optional<std::string>& sdp) {
    json m{{"id", "startRecording"}, {"recordingSessionId", session}, {"fileName", file},
           {"adapter", "mediasoup"}, {"metadata", {{"meetingId", "m1"}, {"userId", "u7"}}}};
    if (sdp) m["sdp"] = *sdp;
    return m.dump();
}

} // namespace

TEST_CASE("recorderStatus at start-up and on getRecorderStatus, a new instanceId after a restart", "[integration][bbb]") {
    RedisServer redis;
    TempDir dir;
    FakeSfuLink sfu(redis.port());
    std::string first_id;
    {
        auto recorder = BbbRecorder::start(options_for(redis.port(), dir.path));
        REQUIRE(recorder);
        const auto before = now_ms();
        const json hello = parse(sfu.next());
        CHECK(hello["id"] == "recorderStatus");
        CHECK(hello["appVersion"] == "tafel-test");
        CHECK(hello["instanceId"] == (*recorder)->instance_id());
        CHECK(hello["timestamp"].get<std::int64_t>() <= now_ms());
        CHECK(hello["timestamp"].get<std::int64_t>() >= before - 5000);
        first_id = hello["instanceId"];

        // Keepalive: the SFU counts a missing reply within 5 s as a crash.
        const auto asked = std::chrono::steady_clock::now();
        CHECK(sfu.send(R"({"id":"getRecorderStatus"})") == 1);
        const json status = parse(sfu.next(std::chrono::seconds(5)));
        CHECK(std::chrono::steady_clock::now() - asked < std::chrono::seconds(5));
        CHECK(status["id"] == "recorderStatus");
        CHECK(status["instanceId"] == first_id);
        CHECK(status.size() == 4);
    }
    auto again = BbbRecorder::start(options_for(redis.port(), dir.path));
    REQUIRE(again);
    const json hello = parse(sfu.next());
    CHECK(hello["id"] == "recorderStatus");
    CHECK(hello["instanceId"] != first_id);
}

TEST_CASE("startRecording errors are a clear failed reply, never a crash", "[integration][bbb]") {
    RecorderSetup setup;
    auto& [redis, dir, sfu, recorder] = setup;
    const std::string offer = encode_sdp_envelope({"offer", mediasoup_offer()});
    fs::create_directories(dir.path / "recordings" / "m1");
    std::ofstream(dir.path / "recordings" / "m1" / "taken.webm") << "x";

    struct Case {
        std::string message;
        std::string error_contains;
    };
    const std::vector<Case> cases{
        {start_message("s1", "recordings/m1/a.webm", std::nullopt), "missing SDP"},
        {start_message("s2", "recordings/m1/a.mp4", offer), "does not end in .webm"},
        {start_message("s3", "../escape.webm", offer), "leaves the recordings directory"},
        {start_message("s4", "recordings/m1/taken.webm", offer), "exists"},
        {start_message("s5", "recordings/m1/b.webm", "%%% not base64 %%%"), "bad SDP"},
        {start_message("s6", "recordings/m1/c.webm", base64_encode(R"({"type":"offer","sdp":"hello"})")), "bad SDP"},
        {start_message("s7", "recordings/m1/d.webm",
                       encode_sdp_envelope({"offer", "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"})),
         "bad SDP"},
        {start_message("s8", "recordings/m1/e.webm", encode_sdp_envelope({"offer", "v=0\r\nm=video 9 RTP/AVP 31\r\n"})),
         "bad SDP"},
    };
    for (const auto& c : cases) {
        INFO(c.message);
        REQUIRE(sfu.send(c.message) == 1);
        const json reply = parse(sfu.next());
        const json sent = json::parse(c.message);
        CHECK(reply["id"] == "startRecordingResponse");
        CHECK(reply["recordingSessionId"] == sent["recordingSessionId"]);
        CHECK(reply["status"] == "failed");
        CHECK(reply["metadata"] == sent["metadata"]);
        CHECK(reply["error"].get<std::string>().find(c.error_contains) != std::string::npos);
        CHECK_FALSE(reply.contains("sdp"));
    }
    // Garbage that is not even a message is dropped; the recorder still answers.
    REQUIRE(sfu.send("{not json") == 1);
    REQUIRE(sfu.send(R"({"recordingSessionId":"no id"})") == 1);
    REQUIRE(sfu.send(R"({"id":"getRecorderStatus"})") == 1);
    CHECK(parse(sfu.next())["id"] == "recorderStatus");
    CHECK_FALSE(fs::exists(dir.path / "recordings" / "m1" / "a.webm"));
}

TEST_CASE("a mediasoup offer is answered as DTLS client, listed and stopped, unknown sessions get no reply",
          "[integration][bbb]") {
    RecorderSetup setup;
    auto& [redis, dir, sfu, recorder] = setup;

    const std::string file = "recordings/m1/medium-u7-1700000000000.webm";
    REQUIRE(sfu.send(start_message("rec-1", file, encode_sdp_envelope({"offer", mediasoup_offer()}))) == 1);
    const json reply = parse(sfu.next_with_id("startRecordingResponse"));
    INFO(reply.dump());
    REQUIRE(reply["status"] == "ok");
    CHECK(reply["recordingSessionId"] == "rec-1");
    CHECK(reply["fileName"] == (dir.path / file).string());
    CHECK(reply["metadata"] == json{{"meetingId", "m1"}, {"userId", "u7"}});
    CHECK_FALSE(reply.contains("error"));
    auto answer = decode_sdp_envelope(reply["sdp"].get<std::string>());
    REQUIRE(answer);
    CHECK(answer->type == "answer");
    INFO(answer->sdp);
    CHECK(answer->sdp.find("a=setup:active") != std::string::npos);
    CHECK(answer->sdp.find("a=fingerprint:sha-256") != std::string::npos);
    CHECK(answer->sdp.find("VP8/90000") != std::string::npos);
    CHECK(answer->sdp.find("a=candidate:") != std::string::npos); // gathered before replying, no trickle
    CHECK(answer->sdp.find("a=mid:0") != std::string::npos);

    // The same session again: refused, the running one untouched.
    REQUIRE(sfu.send(start_message("rec-1", "recordings/m1/other.webm", encode_sdp_envelope({"offer", mediasoup_offer()}))) == 1);
    const json dup = parse(sfu.next_with_id("startRecordingResponse"));
    CHECK(dup["status"] == "failed");
    CHECK(dup["error"].get<std::string>().find("already exists") != std::string::npos);

    REQUIRE(sfu.send(R"({"id":"getRecordings","requestId":"r-9"})") == 1);
    const json list = parse(sfu.next_with_id("getRecordingsResponse"));
    CHECK(list["requestId"] == "r-9");
    REQUIRE(list["recordings"].size() == 1);
    CHECK(list["recordings"][0]["recordingSessionId"] == "rec-1");
    CHECK(list["recordings"][0]["fileName"] == (dir.path / file).string());

    // Unknown session: no reply at all. The status reply sent after it must be the next message.
    REQUIRE(sfu.send(R"({"id":"stopRecording","recordingSessionId":"nobody"})") == 1);
    REQUIRE(sfu.send(R"({"id":"getRecorderStatus"})") == 1);
    CHECK(parse(sfu.next())["id"] == "recorderStatus");

    REQUIRE(sfu.send(R"({"id":"stopRecording","recordingSessionId":"rec-1"})") == 1);
    const json stopped = parse(sfu.next_with_id("recordingStopped"));
    CHECK(stopped["recordingSessionId"] == "rec-1");
    CHECK(stopped["reason"] == "stopped");
    CHECK(stopped["timestampUTC"].get<std::string>().ends_with("Z"));
    CHECK_FALSE(stopped.contains("timestampHR")); // no media reached the file: omitted when 0

    // Stopped twice: the second gets no reply.
    REQUIRE(sfu.send(R"({"id":"stopRecording","recordingSessionId":"rec-1"})") == 1);
    REQUIRE(sfu.send(R"({"id":"getRecordings","requestId":7})") == 1);
    const json empty = parse(sfu.next());
    CHECK(empty["id"] == "getRecordingsResponse");
    CHECK(empty["requestId"] == 7);
    CHECK(empty["recordings"].empty());
    // No media came, so no file was created (files appear with the first keyframe/audio).
    CHECK_FALSE(fs::exists(dir.path / file));
}

TEST_CASE("channel names are configurable", "[integration][bbb]") {
    RedisServer redis;
    TempDir dir;
    FakeSfuLink sfu(redis.port(), "in-x", "out-x");
    auto options = options_for(redis.port(), dir.path);
    options.redis.subscribe_channel = "in-x";
    options.redis.publish_channel = "out-x";
    auto recorder = BbbRecorder::start(options);
    REQUIRE(recorder);
    CHECK(parse(sfu.next())["id"] == "recorderStatus");
    REQUIRE(sfu.send(R"({"id":"getRecorderStatus"})") == 1);
    CHECK(parse(sfu.next())["instanceId"] == (*recorder)->instance_id());
}
