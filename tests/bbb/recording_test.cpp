// Media end to end: a real WebRTC sender (tests/bbb/webrtc_peer) offers VP8 through the SFU's
// Redis envelope; tafel's recorder answers, receives, says `flowing`, and after stopRecording
// the WebM has duration and cues (ffprobe and the EBML bytes). And the process side: kill -9
// of `tafel record --bbb` and a restart give the SFU a new instanceId.
#include "bbb/bbb_recorder.hpp"
#include "bbb/rtp_capture.hpp"
#include "bbb/sdp_envelope.hpp"
#include "ingest/capture_file.hpp"
#include "ingest/capture_import.hpp"
#include "media_checks.hpp"
#include "redis_fixture.hpp"
#include "webrtc_peer.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <thread>

extern char** environ;

using namespace tafel;
using namespace tafel::bbb;
using namespace tafel::bbb::test;
using nlohmann::json;
namespace fs = std::filesystem;

TEST_CASE("a WebRTC VP8 sender is recorded to a WebM with duration and cues, flowing reported", "[integration][bbb]") {
    RecorderSetup setup;
    auto& [redis, dir, sfu, recorder] = setup;

    WebrtcPeer peer;
    const std::string file = "recordings/meeting-1/medium-user-1-1700000000000.webm";
    const auto asked = std::chrono::steady_clock::now();
    const json flowing = start_recording(sfu, peer, "media-1", file, {{"cameraId", "c1"}}).flowing;
    CHECK(flowing["timestampHR"].is_number_integer());
    CHECK(flowing["timestampUTC"].get<std::string>().ends_with("Z"));
    INFO("flowing after " << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - asked).count() << " ms");
    const fs::path webm = dir.path / file;
    CHECK(fs::exists(webm));
    CHECK(mode_of(webm) == 0600);
    CHECK(mode_of(webm.parent_path()) == 0700);
    CHECK(mode_of(webm.parent_path().parent_path()) == 0700);

    // Three seconds of lesson: the duration checked below must come from the media.
    std::this_thread::sleep_for(std::chrono::seconds(3));
    REQUIRE(sfu.send(R"({"id":"stopRecording","recordingSessionId":"media-1"})") == 1);
    const json stopped = parse(sfu.next_with_id("recordingStopped", std::chrono::seconds(15)));
    CHECK(stopped["reason"] == "stopped");
    REQUIRE(stopped.contains("timestampHR"));
    const auto hr_ms = stopped["timestampHR"].get<std::int64_t>();
    CHECK(hr_ms >= 2500);
    CHECK(hr_ms <= 8000);

    const auto finalised = check_finalised_webm(webm);
    INFO(finalised.probed.dump());
    REQUIRE(finalised.probed["streams"].size() == 1);
    CHECK(finalised.probed["streams"][0]["codec_name"] == "vp8");
    CHECK(finalised.probed["streams"][0]["width"] == 320);
    CHECK(finalised.duration_s * 1000 == Approx(static_cast<double>(hr_ms)).margin(1000));

    // tafel's raw capture beside it, holding the decrypted RTP and the sender's RTCP sender
    // reports (RFC 3550 section 6.4.1, PT 200)…
    const fs::path capture = capture_path_for(webm);
    const auto seen = check_closed_capture(webm);
    CHECK(seen.rtp > 50);
    CHECK(seen.sender_reports >= 1);
    // …which `tafel import` turns into a raw recording that renders.
    const auto rendered = import_and_render(capture, dir.path, 1);
    CHECK(rendered.imported.tracks[0].codec == "VP8");
    CHECK(rendered.rendered.webcam);
    CHECK(rendered.rendered.duration_ms >= 2500);
    CHECK(rendered.rendered.webcam_pictures >= 10);
}

TEST_CASE("kill -9 of tafel record --bbb mid-recording: a new instanceId, the files recovered at restart, and "
          "SIGTERM stops a recording with application_shutdown",
          "[integration][bbb]") {
    RedisServer redis;
    TempDir dir;
    FakeSfuLink sfu(redis.port());
    const std::string tafel = TAFEL_BINARY_DIR "/app/tafel";
    REQUIRE(fs::exists(tafel));
    auto spawn = [&] {
        std::vector<std::string> args{tafel, "record", "--bbb", "--redis-port", std::to_string(redis.port()),
                                      "--bbb-dir", dir.path.string()};
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        pid_t pid = -1;
        REQUIRE(::posix_spawn(&pid, tafel.c_str(), nullptr, nullptr, argv.data(), environ) == 0);
        return pid;
    };
    const pid_t first = spawn();
    const json hello = parse(sfu.next_with_id("recorderStatus", std::chrono::seconds(30)));
    REQUIRE(sfu.send(R"({"id":"getRecorderStatus"})") == 1);
    CHECK(parse(sfu.next_with_id("recorderStatus"))["instanceId"] == hello["instanceId"]);

    // A recording in progress when the process dies.
    WebrtcPeer peer;
    const std::string file = "recordings/meeting-9/medium-user-9-1700000000000.webm";
    start_recording(sfu, peer, "killed-1", file);
    const fs::path webm = dir.path / file;
    const fs::path capture = capture_path_for(webm);
    const fs::path capture_tmp = capture.string() + ".tmp";
    // Three seconds of lesson, then until the capture's once-a-second sync has put records
    // on disk (bounded).
    std::this_thread::sleep_for(std::chrono::seconds(3));
    const auto synced_by = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::error_code ec;
    while (fs::file_size(capture_tmp, ec) <= 24 && std::chrono::steady_clock::now() < synced_by)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    REQUIRE(fs::file_size(capture_tmp, ec) > 24);
    ::kill(first, SIGKILL);
    int status = 0;
    ::waitpid(first, &status, 0);
    CHECK(WIFSIGNALED(status));
    // The SFU's keepalive now goes unanswered: a crash, as it sees it.
    sfu.send(R"({"id":"getRecorderStatus"})");
    CHECK_FALSE(sfu.next(std::chrono::milliseconds(500)));

    // What the dead process left: a WebM without cues (webmmux writes them at EOS) and an
    // unclosed capture.
    REQUIRE(fs::exists(webm));
    CHECK_FALSE(has_cues(webm));
    CHECK_FALSE(fs::exists(capture));

    const pid_t second = spawn();
    const json again = parse(sfu.next_with_id("recorderStatus", std::chrono::seconds(30)));
    CHECK(again["instanceId"] != hello["instanceId"]);

    // Recovered at start-up: the capture closed (its rename is the last step, bounded wait)…
    const auto recovered_by = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!fs::exists(capture) && std::chrono::steady_clock::now() < recovered_by)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    REQUIRE(fs::exists(capture));
    CHECK_FALSE(fs::exists(capture_tmp));
    CHECK(mode_of(capture) == 0600);
    // …the WebM finalised: cues and a duration that covers the media before the kill…
    CHECK(mode_of(webm) == 0600);
    CHECK(has_cues(webm));
    const json probed = probe(webm);
    INFO(probed.dump());
    REQUIRE(probed["format"].contains("duration"));
    const double duration_s = std::stod(probed["format"]["duration"].get<std::string>());
    CHECK(duration_s >= 2.0);
    CHECK(duration_s <= 15.0);
    REQUIRE(probed["streams"].size() == 1);
    CHECK(probed["streams"][0]["codec_name"] == "vp8");
    // …and the capture readable to its end (whole records only) and importable.
    auto reader = ingest::CaptureFile::open(capture);
    REQUIRE(reader);
    std::uint64_t records = 0;
    for (;;) {
        auto d = reader->next();
        REQUIRE(d);
        if (!*d) break;
        ++records;
    }
    CHECK(records > 50);
    auto imported = ingest::import_capture(capture, dir.path / "raw", {});
    REQUIRE(imported);
    CHECK(imported->info.tracks.size() == 1);

    // SIGTERM while the restarted process records: the recording is stopped with reason
    // application_shutdown after its files were finalised, and the process exits cleanly.
    WebrtcPeer second_peer;
    const std::string second_file = "recordings/meeting-9/medium-user-9-1700000009999.webm";
    start_recording(sfu, second_peer, "after-restart-1", second_file);
    ::kill(second, SIGTERM);
    const json shutdown = parse(sfu.next_with_id("recordingStopped", std::chrono::seconds(20)));
    CHECK(shutdown["recordingSessionId"] == "after-restart-1");
    CHECK(shutdown["reason"] == "application_shutdown");
    ::waitpid(second, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(has_cues(dir.path / second_file));
    CHECK(fs::exists(capture_path_for(dir.path / second_file)));
}

TEST_CASE("under packet loss the recorder sends NACKs, asks for keyframes at most once a second, and the WebM decodes",
          "[integration][bbb]") {
    RecorderSetup setup;
    auto& [redis, dir, sfu, recorder] = setup;

    WebrtcPeer peer(10); // one VP8 packet in 10 lost on the way
    const std::string file = "recordings/meeting-2/medium-user-2-1700000000000.webm";
    start_recording(sfu, peer, "lossy-1", file);
    // Five seconds of lesson: the periodic PLI (every 3 s) falls inside it.
    std::this_thread::sleep_for(std::chrono::seconds(5));
    REQUIRE(sfu.send(R"({"id":"stopRecording","recordingSessionId":"lossy-1"})") == 1);
    CHECK(parse(sfu.next_with_id("recordingStopped", std::chrono::seconds(15)))["reason"] == "stopped");

    const fs::path webm = dir.path / file;
    const auto seen = summarise_capture(capture_path_for(webm));
    INFO("dropped " << peer.dropped() << ", NACKs " << seen.nacks << ", PLIs " << seen.pli_ns.size());
    REQUIRE(peer.dropped() >= 5);
    CHECK(seen.nacks >= 1);
    // Retransmissions (RTX, turned back into the originals) filled most holes.
    REQUIRE(seen.vp8_seqs.size() > 10);
    const int span = (*seen.vp8_seqs.rbegin() - *seen.vp8_seqs.begin()) + 1;
    const int missing = span - static_cast<int>(seen.vp8_seqs.size());
    INFO("VP8 packets " << seen.vp8_seqs.size() << ", missing " << missing);
    CHECK(missing < peer.dropped());
    // Keyframes: asked for at the start and every 3 s, after loss too, never twice a second.
    // (Requests are let through at most once a second; rtpsession sends each with the next
    // RTCP packet, whose timing varies, so the count is checked, not each spacing.)
    REQUIRE(seen.pli_ns.size() >= 2);
    const auto pli_span_s = (seen.pli_ns.back() - seen.pli_ns.front()) / 1'000'000'000;
    CHECK(static_cast<std::int64_t>(seen.pli_ns.size()) <= pli_span_s + 2);
    // The WebM decodes without an error: nothing after a loss is written before a keyframe.
    const std::string errors = decode_errors(webm);
    INFO(errors);
    CHECK(errors.empty());
}
