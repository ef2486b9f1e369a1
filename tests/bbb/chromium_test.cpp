// Issue 10's "must show": a real browser as the offerer. Headless Chromium with a fake camera
// and microphone offers what a BigBlueButton client would (full ICE, actpass, VP8 + VP9 +
// H.264 + AV1 with RTX, Opus + others, many header extensions); the test relays the offer
// over a real Redis in the SFU's envelope, applies the recorder's answer and checks what the
// GStreamer-peer tests check: flowing, recordingStopped, a WebM that plays with the right
// duration and cues, a raw capture that imports and renders.
#include "bbb/bbb_recorder.hpp"
#include "bbb/rtp_capture.hpp"
#include "chromium_peer.hpp"
#include "media_checks.hpp"
#include "redis_fixture.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <regex>
#include <sstream>
#include <thread>

using namespace tafel;
using namespace tafel::bbb;
using namespace tafel::bbb::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// The recorder as the Chromium tests start it: ICE on 127.0.0.1 only, so that nothing needs
// a network interface (Chromium pairs it with its own loopback candidate, which
// --allow-loopback-in-peer-connection lets it offer).
std::function<void(BbbOptions&)> on_loopback(int not_flowing_after_ms = 5000) {
    return [not_flowing_after_ms](BbbOptions& options) {
        options.webrtc.ice_addresses = {"127.0.0.1"};
        options.webrtc.not_flowing_after_ms = not_flowing_after_ms;
    };
}

// The payload types of one m= section of an SDP (RFC 8866 section 5.14: the fmt list).
std::vector<std::string> payload_types(const std::string& sdp, const std::string& kind) {
    std::smatch m;
    if (!std::regex_search(sdp, m, std::regex("m=" + kind + " \\d+ [A-Z/]+ ([0-9 ]+)"))) return {};
    std::vector<std::string> out;
    std::istringstream in(m[1].str());
    for (std::string pt; in >> pt;) out.push_back(pt);
    return out;
}

double seconds_between(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

} // namespace

TEST_CASE("headless Chromium's offer is answered with VP8 and Opus, and its camera and microphone are recorded to a "
          "WebM that plays and a capture that renders",
          "[integration][bbb][chromium]") {
    RecorderSetup setup(on_loopback());
    auto& [redis, dir, sfu, recorder] = setup;
    ChromiumPeer peer;
    // What differs from mediasoup's offers, so the answer below has something to choose from.
    const auto offer = peer.offer();
    REQUIRE(offer);
    CHECK(offer->find("a=ice-lite") == std::string::npos);
    CHECK(offer->find("a=setup:actpass") != std::string::npos);
    CHECK(offer->find("VP9/90000") != std::string::npos);
    CHECK(offer->find("H264/90000") != std::string::npos);
    CHECK(offer->find("rtx/90000") != std::string::npos);
    // VP8 and Opus are not the first choice (chromium_offerer.html puts them last).
    const auto offered_video = payload_types(*offer, "video");
    const auto offered_audio = payload_types(*offer, "audio");
    REQUIRE(offered_video.size() > 2);
    REQUIRE(offered_audio.size() > 2);
    CHECK_FALSE(std::regex_search(*offer, std::regex("a=rtpmap:" + offered_video[0] + " VP8/")));
    CHECK_FALSE(std::regex_search(*offer, std::regex("a=rtpmap:" + offered_audio[0] + " opus/")));

    const std::string file = "recordings/meeting-c/medium-chromium-1700000000000.webm";
    const auto started = start_recording(sfu, peer, "chromium-1", file);
    const auto flowing_at = std::chrono::steady_clock::now();
    const std::string& answer = started.answer_sdp;
    INFO(answer);
    // VP8 (with its RTX) and Opus, nothing else; DTLS client; the loopback candidate.
    const auto audio = payload_types(answer, "audio");
    REQUIRE(audio.size() == 1);
    CHECK(std::regex_search(answer, std::regex("a=rtpmap:" + audio[0] + " OPUS/48000/2", std::regex::icase)));
    const auto video = payload_types(answer, "video");
    REQUIRE_FALSE(video.empty());
    CHECK(std::regex_search(answer, std::regex("a=rtpmap:" + video[0] + " VP8/90000")));
    CHECK_FALSE(std::regex_search(answer, std::regex("VP9|H264|AV1|red/|ulpfec|G722|PCM")));
    CHECK(answer.find("a=setup:active") != std::string::npos);
    CHECK(std::regex_search(answer, std::regex("a=candidate:\\S+ 1 UDP \\d+ 127\\.0\\.0\\.1 ")));

    // Four seconds of lesson: the duration checked below must come from the media.
    std::this_thread::sleep_for(std::chrono::seconds(4));
    const json sent = peer.packets_sent();
    INFO("Chromium sent " << sent.dump());
    CHECK(sent["audio"].get<int>() > 50);
    CHECK(sent["video"].get<int>() > 20);
    REQUIRE(sfu.send(R"({"id":"stopRecording","recordingSessionId":"chromium-1"})") == 1);
    const auto stop_sent_at = std::chrono::steady_clock::now();
    const json stopped = parse(sfu.next_with_id("recordingStopped", std::chrono::seconds(15)));
    INFO(stopped.dump());
    CHECK(stopped["reason"] == "stopped");
    REQUIRE(stopped.contains("timestampHR"));
    const double wall_s = seconds_between(flowing_at, stop_sent_at);

    const fs::path webm = dir.path / file;
    const auto finalised = check_finalised_webm(webm);
    const json& probed = finalised.probed;
    INFO(probed.dump() << ", wall time from flowing to stopRecording " << wall_s << " s");
    REQUIRE(probed["streams"].size() == 2);
    CHECK(probed["streams"][0]["codec_name"] == "vp8");
    CHECK(probed["streams"][0]["width"] == 320);
    CHECK(probed["streams"][1]["codec_name"] == "opus");
    // The WebM spans the media between `flowing` (sent at its first buffer) and the stop.
    CHECK(finalised.duration_s == Approx(wall_s).margin(1.0));
    CHECK(finalised.duration_s * 1000 == Approx(stopped["timestampHR"].get<double>()).margin(500));

    // The raw capture: Chromium's audio and video RTP, its sender reports, and it renders
    // (the camera as the webcam tile, the microphone mixed).
    const auto seen = check_closed_capture(webm);
    INFO("capture: RTP " << seen.rtp << ", VP8 " << seen.vp8_seqs.size() << ", SR " << seen.sender_reports);
    CHECK(seen.rtp > 100);
    CHECK(seen.vp8_seqs.size() > 20);
    CHECK(seen.sender_reports >= 1);
    const auto rendered = import_and_render(capture_path_for(webm), dir.path, 2);
    CHECK(rendered.rendered.webcam);
    CHECK(rendered.rendered.webcam_pictures >= 10);
    CHECK(rendered.rendered.audio_tracks == 1);
    CHECK(rendered.rendered.duration_ms >= static_cast<std::int64_t>((wall_s - 1.0) * 1000));
}

TEST_CASE("when Chromium stops sending, not_flowing follows, flowing again when it resumes, and the WebM still decodes",
          "[integration][bbb][chromium]") {
    constexpr int not_flowing_after_ms = 2000;
    RecorderSetup setup(on_loopback(not_flowing_after_ms));
    auto& [redis, dir, sfu, recorder] = setup;
    ChromiumPeer peer;
    const std::string file = "recordings/meeting-p/medium-paused-1700000000000.webm";
    const auto flowing = start_recording(sfu, peer, "paused-1", file).flowing;

    // Two seconds of lesson, then the camera and microphone are taken off the connection
    // (replaceTrack(null): no RTP at all; track.enabled = false would keep sending).
    std::this_thread::sleep_for(std::chrono::seconds(2));
    peer.stop_sending();
    const auto stopped_sending = std::chrono::steady_clock::now();
    const json paused = parse(sfu.next_with_id("recordingRtpStatusChanged", std::chrono::seconds(15)));
    const double pause_s = seconds_between(stopped_sending, std::chrono::steady_clock::now());
    INFO(paused.dump() << " after " << pause_s << " s");
    CHECK(paused["recordingSessionId"] == "paused-1");
    CHECK(paused["status"] == "not_flowing");
    CHECK(paused["timestampUTC"].get<std::string>().ends_with("Z"));
    // Not before the configured silence (what was in flight may land just after the call),
    // and not long after it.
    CHECK(pause_s >= not_flowing_after_ms / 1000.0 - 0.5);
    CHECK(pause_s <= not_flowing_after_ms / 1000.0 + 3.0);
    CHECK(paused["timestampHR"].get<std::int64_t>() >= flowing["timestampHR"].get<std::int64_t>() + 1500);

    peer.resume_sending();
    const json resumed = parse(sfu.next_with_id("recordingRtpStatusChanged", std::chrono::seconds(15)));
    INFO(resumed.dump());
    CHECK(resumed["status"] == "flowing");
    CHECK(resumed["timestampHR"].get<std::int64_t>() > paused["timestampHR"].get<std::int64_t>());
    std::this_thread::sleep_for(std::chrono::seconds(2));
    // Still flowing: no second not_flowing while media arrives.
    REQUIRE(sfu.send(R"({"id":"stopRecording","recordingSessionId":"paused-1"})") == 1);
    const json stopped = parse(sfu.next());
    INFO(stopped.dump());
    CHECK(stopped["id"] == "recordingStopped");
    CHECK(stopped["reason"] == "stopped");

    // Media from both sides of the pause, every frame decoding.
    const auto finalised = check_finalised_webm(dir.path / file);
    INFO(finalised.probed.dump());
    REQUIRE(finalised.probed["streams"].size() == 2);
    CHECK(finalised.duration_s >= 4.0);
}

TEST_CASE(
    "when Chromium closes its peer connection, the recording stops with reason closed and its files are finalised",
    "[integration][bbb][chromium]") {
    RecorderSetup setup(on_loopback());
    auto& [redis, dir, sfu, recorder] = setup;
    ChromiumPeer peer;
    const std::string file = "recordings/meeting-q/medium-closed-1700000000000.webm";
    start_recording(sfu, peer, "closed-1", file);
    std::this_thread::sleep_for(std::chrono::seconds(2));
    // RTCPeerConnection.close(): a DTLS close_notify, then nothing.
    peer.close();
    const auto closed_at = std::chrono::steady_clock::now();
    const json stopped = parse(sfu.next_with_id("recordingStopped", std::chrono::seconds(15)));
    INFO(stopped.dump() << " after " << seconds_between(closed_at, std::chrono::steady_clock::now()) << " s");
    CHECK(stopped["recordingSessionId"] == "closed-1");
    CHECK(stopped["reason"] == "closed");
    CHECK(stopped["timestampHR"].get<std::int64_t>() >= 1500);
    // The session is gone: a stopRecording for it now gets no reply.
    REQUIRE(sfu.send(R"({"id":"stopRecording","recordingSessionId":"closed-1"})") == 1);
    CHECK_FALSE(sfu.next(std::chrono::milliseconds(500)));
    const auto finalised = check_finalised_webm(dir.path / file);
    INFO(finalised.probed.dump());
    CHECK(finalised.probed["streams"].size() == 2);
    CHECK(check_closed_capture(dir.path / file).rtp > 50);
}
