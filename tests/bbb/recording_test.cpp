// Media end to end: a real WebRTC sender (tests/bbb/webrtc_peer) offers VP8 through the SFU's
// Redis envelope; tafel's recorder answers, receives, says `flowing`, and after stopRecording
// the WebM has duration and cues (ffprobe and the EBML bytes). And the process side: kill -9
// of `tafel record --bbb` and a restart give the SFU a new instanceId.
#include "bbb/bbb_recorder.hpp"
#include "bbb/sdp_envelope.hpp"
#include "bbb/rtp_capture.hpp"
#include "core/ids.hpp"
#include "ingest/capture_file.hpp"
#include "ingest/capture_import.hpp"
#include "transcode/render_job.hpp"
#include "redis_fixture.hpp"
#include "webrtc_peer.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <thread>

extern char** environ;

using namespace tafel;
using namespace tafel::bbb;
using namespace tafel::bbb::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string run(const std::string& command) {
    std::string out;
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe);
    std::array<char, 4096> buf{};
    while (const auto n = std::fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
    ::pclose(pipe);
    return out;
}

unsigned mode_of(const fs::path& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 0777;
}

std::string read_all(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Whether the Segment has a Cues element among its children (RFC 9559 section 5.1: Segment
// 0x18538067, Cues 0x1C53BB6B; EBML variable-size integers, RFC 8794 section 4). A byte
// search is not enough: the SeekHead written at the start already names the Cues ID.
bool has_cues(const fs::path& webm) {
    const std::string b = read_all(webm);
    std::size_t at = 0;
    auto vint = [&](bool keep_marker, std::uint64_t& value, bool& unknown) {
        if (at >= b.size()) return false;
        const auto first = static_cast<std::uint8_t>(b[at]);
        int length = 1;
        while (length <= 8 && !(first & (0x80 >> (length - 1)))) ++length;
        if (length > 8 || at + length > b.size()) return false;
        value = keep_marker ? first : (first & (0xff >> length));
        bool all_ones = value == (0xffu >> length);
        for (int i = 1; i < length; ++i) {
            const auto byte = static_cast<std::uint8_t>(b[at + i]);
            value = (value << 8) | byte;
            all_ones = all_ones && byte == 0xff;
        }
        unknown = !keep_marker && all_ones;
        at += length;
        return true;
    };
    std::uint64_t id = 0, size = 0;
    bool unknown = false;
    // EBML header, then the Segment, whose children are walked.
    if (!vint(true, id, unknown) || !vint(false, size, unknown) || unknown) return false;
    at += size;
    if (!vint(true, id, unknown) || id != 0x18538067 || !vint(false, size, unknown)) return false;
    while (at < b.size()) {
        if (!vint(true, id, unknown) || !vint(false, size, unknown)) return false;
        if (id == 0x1C53BB6B) return true;
        if (unknown) return false; // a live Cluster of unknown size: nothing after it is known
        at += size;
    }
    return false;
}

// Offers `peer`'s SDP in the SFU's envelope as session `id` writing `file`, applies the
// recorder's answer and waits (bounded) for `flowing`.
void start_recording(FakeSfuLink& sfu, WebrtcPeer& peer, const std::string& id, const std::string& file) {
    const auto offer = peer.offer();
    REQUIRE(offer);
    const json start{{"id", "startRecording"},
                     {"recordingSessionId", id},
                     {"fileName", file},
                     {"sdp", encode_sdp_envelope({"offer", *offer})}};
    REQUIRE(sfu.send(start.dump()) == 1);
    const json response = parse(sfu.next_with_id("startRecordingResponse", std::chrono::seconds(20)));
    INFO(response.dump());
    REQUIRE(response["status"] == "ok");
    auto answer = decode_sdp_envelope(response["sdp"].get<std::string>());
    REQUIRE(answer);
    REQUIRE(peer.apply_answer(answer->sdp));
    const json flowing = parse(sfu.next_with_id("recordingRtpStatusChanged", std::chrono::seconds(20)));
    REQUIRE(flowing["status"] == "flowing");
}

// What the capture shows of the recorder's side: the RTCP it sent (source 127.0.0.1, see
// bbb/rtp_capture.cpp), walked through each compound packet (RFC 3550 section 6.1), and
// the VP8 sequence numbers it received.
struct CaptureSummary {
    int nacks = 0;                    // RTPFB FMT 1, generic NACK (RFC 4585 section 6.2.1)
    std::vector<std::int64_t> pli_ns; // PSFB FMT 1, PLI (RFC 4585 section 6.3.1), send times
    std::set<std::uint16_t> vp8_seqs; // received, payload type 96
};

CaptureSummary summarise_capture(const fs::path& capture) {
    CaptureSummary out;
    auto reader = ingest::CaptureFile::open(capture);
    REQUIRE(reader);
    for (;;) {
        auto d = reader->next();
        REQUIRE(d);
        if (!*d) break;
        const auto& p = (*d)->payload;
        if (p.size() < 4) continue;
        const bool sent = (*d)->source.ipv4 == std::array<std::uint8_t, 4>{127, 0, 0, 1};
        if (!sent && (p[1] & 0x7f) == 96) out.vp8_seqs.insert(static_cast<std::uint16_t>(p[2] << 8 | p[3]));
        if (!sent || p[1] < 192 || p[1] > 223) continue;
        for (std::size_t at = 0; at + 4 <= p.size();) {
            const int fmt = p[at] & 0x1f;
            const int type = p[at + 1];
            if (type == 205 && fmt == 1) ++out.nacks;
            if (type == 206 && fmt == 1) out.pli_ns.push_back((*d)->wall_ns);
            at += (static_cast<std::size_t>(p[at + 2] << 8 | p[at + 3]) + 1) * 4;
        }
    }
    return out;
}

} // namespace

TEST_CASE("a WebRTC VP8 sender is recorded to a WebM with duration and cues, flowing reported", "[integration][bbb]") {
    RedisServer redis;
    TempDir dir;
    FakeSfuLink sfu(redis.port());
    auto recorder = BbbRecorder::start(options_for(redis.port(), dir.path));
    REQUIRE(recorder);
    REQUIRE(parse(sfu.next())["id"] == "recorderStatus");

    WebrtcPeer peer;
    const auto offer = peer.offer();
    REQUIRE(offer);
    const std::string file = "recordings/meeting-1/medium-user-1-1700000000000.webm";
    const json start{{"id", "startRecording"}, {"recordingSessionId", "media-1"}, {"fileName", file},
                     {"sdp", encode_sdp_envelope({"offer", *offer})}, {"metadata", {{"cameraId", "c1"}}}};
    REQUIRE(sfu.send(start.dump()) == 1);
    const json response = parse(sfu.next_with_id("startRecordingResponse"));
    INFO(response.dump());
    REQUIRE(response["status"] == "ok");
    auto answer = decode_sdp_envelope(response["sdp"].get<std::string>());
    REQUIRE(answer);
    REQUIRE(peer.apply_answer(answer->sdp));

    const auto asked = std::chrono::steady_clock::now();
    const json flowing = parse(sfu.next_with_id("recordingRtpStatusChanged", std::chrono::seconds(20)));
    CHECK(flowing["recordingSessionId"] == "media-1");
    CHECK(flowing["status"] == "flowing");
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

    const json probe = json::parse(
        run(fmt::format("ffprobe -v error -show_entries format=duration,format_name:stream=codec_name,width -of json '{}'",
                        webm.string())),
        nullptr, false);
    INFO(probe.dump());
    REQUIRE(probe.contains("format"));
    CHECK(probe["format"]["format_name"].get<std::string>().find("webm") != std::string::npos);
    REQUIRE(probe["streams"].size() == 1);
    CHECK(probe["streams"][0]["codec_name"] == "vp8");
    CHECK(probe["streams"][0]["width"] == 320);
    REQUIRE(probe["format"].contains("duration")); // absent when the muxer never finalised
    const double duration_s = std::stod(probe["format"]["duration"].get<std::string>());
    CHECK(duration_s * 1000 == Approx(static_cast<double>(hr_ms)).margin(1000));
    CHECK(has_cues(webm));
    // Every frame decodes (only whole frames from a keyframe on reach the muxer). The frames
    // keep the WebM's millisecond times (-enc_time_base -1): at the CLI's default 1/frame
    // rate two frames closer than a frame interval would round to one tick, and its null
    // muxer reports that as an error although nothing failed to decode.
    const std::string decode_errors =
        run(fmt::format("ffmpeg -nostdin -v error -i '{}' -enc_time_base -1 -f null - 2>&1", webm.string()));
    INFO(decode_errors);
    CHECK(decode_errors.empty());

    // tafel's raw capture beside it: closed (renamed from .tmp), private, holding the
    // decrypted RTP and the sender's RTCP sender reports (RFC 3550 section 6.4.1, PT 200).
    const fs::path capture = capture_path_for(webm);
    REQUIRE(fs::exists(capture));
    CHECK_FALSE(fs::exists(fs::path(capture.string() + ".tmp")));
    CHECK(mode_of(capture) == 0600);
    auto reader = ingest::CaptureFile::open(capture);
    REQUIRE(reader);
    int rtp = 0, sender_reports = 0;
    while (true) {
        auto d = reader->next();
        REQUIRE(d);
        if (!*d) break;
        const auto& p = (*d)->payload;
        REQUIRE(p.size() >= 2);
        if (p[1] == 200)
            ++sender_reports;
        else if ((p[1] & 0x7f) == 96)
            ++rtp;
    }
    CHECK(rtp > 50);
    CHECK(sender_reports >= 1);
    // …which `tafel import` turns into a raw recording that renders: the whole chain the
    // importer gets from BBB lessons recorded by tafel.
    auto imported = ingest::import_capture(capture, dir.path / "raw", {});
    REQUIRE(imported);
    REQUIRE(imported->info.tracks.size() == 1);
    CHECK(imported->info.tracks[0].codec == "VP8");
    transcode::RenderOptions render;
    render.output.width = 320;
    render.output.height = 180;
    render.output.frame_rate = Rational{5, 1};
    render.output.threads = 1;
    render.output.mp4 = false;
    render.output.audio_only = false;
    auto rendered = transcode::render_recording(imported->recording_dir, dir.path / "out", render, {});
    REQUIRE(rendered);
    CHECK(rendered->webcam);
    CHECK(rendered->duration_ms >= 2500);
    CHECK(rendered->webcam_pictures >= 10);
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
    const auto offer = peer.offer();
    REQUIRE(offer);
    const std::string file = "recordings/meeting-9/medium-user-9-1700000000000.webm";
    const json start{{"id", "startRecording"},
                     {"recordingSessionId", "killed-1"},
                     {"fileName", file},
                     {"sdp", encode_sdp_envelope({"offer", *offer})}};
    REQUIRE(sfu.send(start.dump()) == 1);
    const json response = parse(sfu.next_with_id("startRecordingResponse", std::chrono::seconds(20)));
    INFO(response.dump());
    REQUIRE(response["status"] == "ok");
    auto answer = decode_sdp_envelope(response["sdp"].get<std::string>());
    REQUIRE(answer);
    REQUIRE(peer.apply_answer(answer->sdp));
    REQUIRE(parse(sfu.next_with_id("recordingRtpStatusChanged", std::chrono::seconds(20)))["status"] == "flowing");
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
    const json probe =
        json::parse(run(fmt::format("ffprobe -v error -show_entries format=duration:stream=codec_name -of json '{}'",
                                    webm.string())),
                    nullptr, false);
    INFO(probe.dump());
    REQUIRE(probe.contains("format"));
    REQUIRE(probe["format"].contains("duration"));
    const double duration_s = std::stod(probe["format"]["duration"].get<std::string>());
    CHECK(duration_s >= 2.0);
    CHECK(duration_s <= 15.0);
    REQUIRE(probe["streams"].size() == 1);
    CHECK(probe["streams"][0]["codec_name"] == "vp8");
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
    RedisServer redis;
    TempDir dir;
    FakeSfuLink sfu(redis.port());
    auto recorder = BbbRecorder::start(options_for(redis.port(), dir.path));
    REQUIRE(recorder);
    REQUIRE(parse(sfu.next())["id"] == "recorderStatus");

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
    const std::string decode_errors =
        run(fmt::format("ffmpeg -nostdin -v error -i '{}' -enc_time_base -1 -f null - 2>&1", webm.string()));
    INFO(decode_errors);
    CHECK(decode_errors.empty());
}
