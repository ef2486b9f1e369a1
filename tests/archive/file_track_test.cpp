// Imported archives through the render path: media files read through libavformat as
// tracks (passed through or re-encoded), placed at their start events, rendered.
#include "archive/importer.hpp"
#include "archive_builder.hpp"
#include "imported.hpp"
#include "ingest/raw_recording.hpp"
#include "transcode/file_track.hpp"
#include "transcode/render_job.hpp"
#include "transcode/timed_track.hpp"
#include "warning_counter.hpp"

#include <catch2/catch.hpp>

using namespace tafel;
using namespace tafel::archive;
using namespace tafel::archive::test;

namespace {

const std::string k_meeting = "0123456789abcdef0123456789abcdef01234567-1700000000000";
constexpr std::int64_t k_t0 = 5'000'000;

// Every frame of a track with its lesson time.
std::vector<transcode::TimedFrame> frames_of(const std::filesystem::path& raw, const std::string& track_id) {
    auto info = ingest::read_recording_info(raw);
    REQUIRE(info);
    const ingest::TrackInfo* t = nullptr;
    for (const auto& tr : info->tracks) {
        if (tr.id == track_id) t = &tr;
    }
    REQUIRE(t != nullptr);
    auto track = transcode::TimedTrack::open(raw, *t, *info, &transcode::open_recorded_track);
    REQUIRE(track);
    std::vector<transcode::TimedFrame> out;
    for (;;) {
        auto f = track->peek();
        REQUIRE(f);
        if (*f == nullptr) break;
        out.push_back(**f);
        track->pop();
    }
    return out;
}

transcode::RenderOptions small_render() {
    transcode::RenderOptions o;
    o.output.width = 320;
    o.output.height = 180;
    o.output.frame_rate = Rational{5, 1};
    o.output.threads = 1;
    o.output.mp4 = false;
    return o;
}

// A 2.x archive: webcam (WebM VP8) from 1 s to 3 s of a 4 s lesson, Opus conference audio.
ArchiveBuilder webm_archive(const std::filesystem::path& dir) {
    ArchiveBuilder a(dir, k_meeting, "2.4.0");
    const std::string cam = "w_teacher_cam-1";
    a.event(k_t0, "PARTICIPANT", "ParticipantJoinEvent", {{"userId", "w_teacher"}, {"role", "MODERATOR"}, {"name", "T"}})
        .event(k_t0 + 10, "PRESENTATION", "SharePresentationEvent", {{"presentationName", "pres-1"}, {"share", "true"}})
        .event(k_t0 + 20, "VOICE", "StartRecordingEvent", {{"filename", "/var/freeswitch/meetings/" + k_meeting + "-1.opus"}})
        .event(k_t0 + 1000, "WEBRTC", "StartWebRTCShareEvent", {{"filename", "/x/" + cam + ".webm"}, {"stream", cam}})
        .event(k_t0 + 2000, "PRESENTATION", "GotoSlideEvent", {{"id", "pres-1/2"}})
        .event(k_t0 + 3000, "WEBRTC", "StopWebRTCShareEvent", {{"filename", "/x/" + cam + ".webm"}, {"stream", cam}})
        .event(k_t0 + 4000, "PARTICIPANT", "ParticipantLeftEvent", {{"userId", "w_teacher"}});
    a.write_events();
    a.deck("pres-1", 2);
    a.webcam_webm(cam + ".webm", 2, "green");
    a.audio_opus(k_meeting + "-1.opus", 4);
    return a;
}

} // namespace

TEST_CASE("WebM VP8 and Opus files pass through as tracks placed at their start events", "[integration]") {
    TempDir tmp;
    const ArchiveBuilder a = webm_archive(tmp.path() / "archive");
    REQUIRE(import_archive(a.dir(), tmp.path() / "raw"));
    const Imported raw = Imported::load(tmp.path() / "raw");
    const std::string cam = raw.of_type("webcam_started").at(0)["track"];

    const auto video = frames_of(tmp.path() / "raw", cam);
    REQUIRE(video.size() == 20); // 2 s at 10 fps, every frame through
    CHECK(video.front().frame.keyframe);
    // The webcam started 1 s after the lesson began (first event = lesson start, no marks).
    CHECK(video.front().lesson_us == 1'000'000);
    CHECK(video.back().lesson_us == 2'900'000);
    // Frames are VP8: a keyframe starts with the 3-byte frame tag then 0x9d 0x01 0x2a (RFC 6386 9.1).
    REQUIRE(video.front().frame.data.size() > 6);
    CHECK(video.front().frame.data[3] == 0x9d);
    CHECK(video.front().frame.data[4] == 0x01);
    CHECK(video.front().frame.data[5] == 0x2a);

    const auto audio = frames_of(tmp.path() / "raw", "a1");
    REQUIRE(audio.size() >= 195); // 4 s of 20 ms packets (the last may be cut)
    CHECK(audio.front().lesson_samples == Approx(0.02 * 48000).margin(48 * 8)); // 20 ms after the start, within pre-skip
    CHECK(audio[100].lesson_samples - audio[0].lesson_samples == 100 * 960);
    CHECK(audio.front().frame.duration_ticks == 960);
}

TEST_CASE("FLV (Flash) video and WAV audio are re-encoded to VP8 and Opus on reading", "[integration]") {
    TempDir tmp;
    constexpr std::int64_t e0 = 1'400'000'000'000;
    const std::string meeting = "183f0bf3a0982a127bdb8161e0c44eb696b3e75c-1399999999000";
    ArchiveBuilder a(tmp.path() / "archive", meeting, "");
    const std::string stream = "160x120-w_t-1";
    a.event(e0, "PARTICIPANT", "ParticipantJoinEvent", {{"userId", "w_t"}, {"role", "MODERATOR"}, {"name", "T"}})
        .event(e0 + 500, "VOICE", "StartRecordingEvent", {{"filename", "/var/freeswitch/meetings/" + meeting + "-1.wav"}})
        .event(e0 + 1500, "WEBCAM", "StartWebcamShareEvent", {{"stream", stream}})
        .event(e0 + 3000, "WEBCAM", "StopWebcamShareEvent", {{"stream", stream}})
        .event(e0 + 3000, "PARTICIPANT", "ParticipantLeftEvent", {{"userId", "w_t"}});
    a.write_events();
    a.webcam_flv(stream + ".flv", 1.5, "blue");
    a.audio_wav(meeting + "-1.wav", 2.5);
    REQUIRE(import_archive(a.dir(), tmp.path() / "raw"));

    const auto video = frames_of(tmp.path() / "raw", "v1");
    REQUIRE(video.size() == 15);
    CHECK(video.front().frame.keyframe);
    CHECK(video.front().lesson_us == 1'500'000);
    CHECK(video.back().lesson_us == 2'900'000);
    CHECK(video.front().frame.data[3] == 0x9d); // VP8 now

    const auto audio = frames_of(tmp.path() / "raw", "a1");
    REQUIRE(audio.size() >= 124); // 2.5 s of 20 ms Opus packets from 16 kHz PCM
    // The file starts 0.5 s into the lesson; the first packet sits earlier by the encoder's
    // pre-skip (RFC 7845 4.2: its first samples are padding), under 8 ms.
    CHECK(audio.front().lesson_samples <= 24'000);
    CHECK(audio.front().lesson_samples > 24'000 - 8 * 48);
    CHECK(audio.front().frame.duration_ticks == 960);
    CHECK(audio[50].lesson_samples - audio.front().lesson_samples == 50 * 960);

    transcode::RenderOptions options = small_render();
    WarningCounter warnings("transcode");
    auto summary = transcode::render_recording(tmp.path() / "raw", tmp.path() / "out", options, {});
    REQUIRE(summary);
    CHECK(warnings.messages().empty());
    CHECK(summary->duration_ms == 3000);
    CHECK(summary->audio_tracks == 1);
    CHECK(summary->webcam);
    CHECK(summary->webcam_pictures >= 7); // 1.5 s of 10 fps webcam sampled at 5 fps output
}

TEST_CASE("an imported 2.x archive renders with its webcam and audio and no warning", "[integration]") {
    TempDir tmp;
    const ArchiveBuilder a = webm_archive(tmp.path() / "archive");
    REQUIRE(import_archive(a.dir(), tmp.path() / "raw"));
    WarningCounter warnings("transcode");
    auto summary = transcode::render_recording(tmp.path() / "raw", tmp.path() / "out", small_render(), {});
    REQUIRE(summary);
    for (const auto& m : warnings.messages()) INFO(m);
    CHECK(warnings.messages().empty());
    CHECK(summary->duration_ms == 4000);
    CHECK(summary->frames == 20);
    CHECK(summary->audio_tracks == 1);
    CHECK(summary->audio_samples == 4 * 48000);
    CHECK(summary->webcam);
    CHECK(summary->webcam_pictures >= 9);
    CHECK(summary->slide_changes >= 2);
    CHECK(std::filesystem::file_size(tmp.path() / "out" / "lesson.webm") > 1000);
}
