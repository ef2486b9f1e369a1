#include "bbb/messages.hpp"
#include "bbb/recorder_service.hpp"
#include "bbb/sdp_envelope.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <regex>

using namespace tafel::bbb;

TEST_CASE("SDP envelope is base64 of the SFU's JSON and decodes leniently", "[unit][bbb]") {
    const std::string sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
    const std::string wire = encode_sdp_envelope({"answer", sdp});
    auto json = base64_decode(wire);
    REQUIRE(json);
    CHECK(*json == nlohmann::json{{"type", "answer"}, {"sdp", sdp}}.dump());
    for (const std::string& given : {wire, *json, sdp}) {
        auto d = decode_sdp_envelope(given);
        REQUIRE(d);
        CHECK(d->sdp == sdp);
    }
    CHECK_FALSE(decode_sdp_envelope("not base64!"));
    CHECK_FALSE(decode_sdp_envelope(base64_encode("{\"type\":\"offer\"}")));
    for (std::size_t n = 0; n < 7; ++n) {
        const std::string bytes = std::string("abcdefg").substr(0, n);
        if (n == 0) continue;
        auto back = base64_decode(base64_encode(bytes));
        REQUIRE(back);
        CHECK(*back == bytes);
    }
}

TEST_CASE("inbound messages parse leniently", "[unit][bbb]") {
    auto start = parse_inbound(R"({"id":"startRecording","recordingSessionId":42,"fileName":"a.webm",
        "adapterOptions":{"mediasoup":{"sdp":"x"}},"metadata":{"k":[1,2]},"extra":true /* comment */})");
    REQUIRE(start);
    const auto& s = std::get<StartRecording>(*start);
    CHECK(s.session_id == "42");
    CHECK(s.sdp == "x");
    CHECK(nlohmann::json::parse(s.metadata_json) == nlohmann::json{{"k", {1, 2}}});
    CHECK(std::holds_alternative<UnknownMessage>(*parse_inbound(R"({"id":"somethingNew"})")));
    CHECK_FALSE(parse_inbound("[1]"));
    CHECK_FALSE(parse_inbound(R"({"id":"stopRecording"})"));
}

TEST_CASE("outbound messages are strict JSON with the documented fields", "[unit][bbb]") {
    CHECK(to_json(RecordingStopped{"s1", "stopped", 1'700'000'000'123'000, 0}) ==
          R"({"id":"recordingStopped","recordingSessionId":"s1","reason":"stopped","timestampUTC":"2023-11-14T22:13:20.123Z"})");
    CHECK(to_json(RtpStatusChanged{"s1", true, 1'700'000'000'000'000, 25}) ==
          R"({"id":"recordingRtpStatusChanged","recordingSessionId":"s1","status":"flowing","timestampUTC":"2023-11-14T22:13:20.000Z","timestampHR":25})");
    CHECK(to_json(RecorderStatus{"1.0", "u", 5}) == R"({"id":"recorderStatus","appVersion":"1.0","instanceId":"u","timestamp":5})");
    StartRecordingResponse failed{"s", false, "", "/x/a.mp4", R"({"m":1})", "fileName a.mp4 does not end in .webm"};
    CHECK(to_json(failed) ==
          R"({"id":"startRecordingResponse","recordingSessionId":"s","status":"failed","fileName":"/x/a.mp4","metadata":{"m":1},"error":"fileName a.mp4 does not end in .webm"})");
    const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    CHECK(std::regex_match(random_uuid(), uuid));
    CHECK(random_uuid() != random_uuid());
}
