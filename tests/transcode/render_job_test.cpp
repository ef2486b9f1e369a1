#include "transcode/render_job.hpp"

#include "ingest/pcap_writer.hpp"
#include "ingest/raw_recording.hpp"
#include "transcode/slide_renderer.hpp"

#include "raw_lesson.hpp"
#include "test_media.hpp"

#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <numbers>

using namespace tafel;
using namespace tafel::transcode;
using namespace tafel::transcode::test;

namespace {

// The playable (video and audio) streams of an ffprobe answer: an MP4 with chapters also
// lists its QuickTime chapter text track, as a data stream tagged "text".
nlohmann::json playable_streams(const nlohmann::json& probe) {
    auto out = nlohmann::json::array();
    for (const auto& s : probe["streams"]) {
        if (s["codec_type"] == "video" || s["codec_type"] == "audio") {
            out.push_back(s);
        } else {
            CHECK(s["codec_type"] == "data");
            CHECK(s["codec_tag_string"] == "text");
        }
    }
    return out;
}

constexpr std::int64_t k_duration_us = 4'000'000;

// The teacher's camera: dark 0..2 s, bright 2..4 s at 30 fps, packets `network_delay_us` late.
void write_vp8_track(const std::filesystem::path& dir, std::uint32_t ssrc, std::int64_t network_delay_us) {
    auto frames = encode_vp8(320, 240, 60, Yuv{60, 128, 128});           // 0..2 s dark
    auto second = encode_vp8(320, 240, 60, Yuv{200, 128, 128});          // 2..4 s bright
    frames.insert(frames.end(), second.begin(), second.end());
    write_vp8_frames(dir, "t1", 40000, ssrc, frames, 30, network_delay_us);
}

// A 4 s lesson: teacher webcam (dark → bright at 2 s, packets 400 ms late but an RTCP SR
// gives the true time), teacher 440 Hz, Jonas (consent) 1000 Hz from 2 s, Lea (no
// consent) 3000 Hz, slides page 1 then page 2 at 2 s, two chat lines.
std::filesystem::path make_recording(const std::filesystem::path& root, bool stopped = true) {
    const auto dir = root / "raw";
    std::filesystem::create_directories(dir / "tracks");
    std::filesystem::create_directories(dir / "slides");
    write_pdf(dir / "slides" / "d1.pdf", {0xFFF4D0, 0xD0E8FF, 0xE0FFE0});

    ingest::RecordingInfo info;
    info.id = "0123456789abcdef0123456789abcdef01234567-1700000000000";
    info.meeting = {"m1", "Mathe 7b", "klasse-7b"};
    info.started = WallTime{k_start_us};
    if (stopped) info.stopped = WallTime{k_start_us + k_duration_us};
    info.anchor = k_anchor;
    info.participants = {
        {"teacher", "Frau Müller", ingest::Role::moderator, ingest::Consent::unknown},
        {"p1", "Jonas", ingest::Role::viewer, ingest::Consent::granted},
        {"p2", "Lea", ingest::Role::viewer, ingest::Consent::denied},
        {"p3", "Ali", ingest::Role::viewer, ingest::Consent::unknown},
    };
    info.tracks = {track("t1", ingest::MediaKind::video, "teacher", 40000),
                   track("t2", ingest::MediaKind::audio, "teacher", 40002),
                   track("t3", ingest::MediaKind::audio, "p1", 40004),
                   track("t4", ingest::MediaKind::audio, "p2", 40006)};
    info.decks = {{"d1", "Brüche.pdf", "slides/d1.pdf", 3}};
    REQUIRE(ingest::write_recording_info(dir, info).has_value());

    write_vp8_track(dir, 0x11111111, 400'000);
    write_opus_track(dir, "t2", 40002, 0x22222222, 440, 0, k_duration_us);
    write_opus_track(dir, "t3", 40004, 0x33333333, 1000, 2'000'000, k_duration_us);
    write_opus_track(dir, "t4", 40006, 0x44444444, 3000, 0, k_duration_us);

    std::ofstream events(dir / "events.jsonl");
    auto line = [&](std::int64_t lesson_us, nlohmann::json j) {
        j["t_us"] = k_start_us + lesson_us;
        events << j.dump() << '\n';
    };
    line(0, {{"type", "slide"}, {"deck", "d1"}, {"page", 1}});
    line(1'000'000, {{"type", "chat"}, {"participant", "p1"}, {"name", "Jonas"}, {"text", "Hallo 👋"}});
    line(1'500'000, {{"type", "chat"}, {"participant", "p2"}, {"name", "Lea"}, {"text", "Geheimnis von Lea"}});
    line(1'600'000, {{"type", "chat"}, {"participant", "p3"}, {"name", "Ali"}, {"text", "Ich sehe nichts"}});
    line(2'000'000, {{"type", "slide"}, {"deck", "d1"}, {"page", 2}});
    line(2'500'000, {{"type", "whiteboard_draw"}, {"shape", "line"}});
    return dir;
}

} // namespace

TEST_CASE("render_recording turns a raw recording into a checked lesson video", "[integration]") {
    TempDir tmp;
    const auto raw = make_recording(tmp.path());
    const auto out = tmp.path() / "out";
    RenderOptions options;
    options.output.threads = 2;
    std::vector<int> progress;
    auto summary = render_recording(raw, out, options, [&](int permille) {
        progress.push_back(permille);
        return true;
    });
    REQUIRE(summary.has_value());
    CHECK(summary->duration_ms == 4000);
    CHECK(summary->frames == 60);
    CHECK(summary->audio_samples == 4 * 48000);
    CHECK(summary->audio_tracks == 2);          // Lea's microphone is never used
    CHECK(summary->webcam);
    // The camera's 120 frames run to 3.967 s; the last output frame is at 3.933 s.
    CHECK(summary->webcam_pictures == 119);
    CHECK(summary->slide_changes == 2);
    CHECK(summary->chat_lines == 2);
    REQUIRE_FALSE(progress.empty());
    CHECK(std::is_sorted(progress.begin(), progress.end()));
    CHECK(progress.back() == 1000);

    {   // WebM: VP8 + Opus, 1280x720, 60 frames, 4 s
        const auto probe = ffprobe(out / "lesson.webm");
        REQUIRE(probe.contains("streams"));
        REQUIRE(probe["streams"].size() == 2);
        const auto& v = probe["streams"][0];
        CHECK(v["codec_name"] == "vp9");
        CHECK(v["width"] == 1280);
        CHECK(v["height"] == 720);
        CHECK(v["nb_read_frames"] == "60");
        CHECK(probe["streams"][1]["codec_name"] == "opus");
        CHECK(std::stod(probe["format"]["duration"].get<std::string>()) == Approx(4.0).margin(0.1));
    }
    {   // MP4: H.264 + AAC
        const auto probe = ffprobe(out / "lesson.mp4");
        REQUIRE(probe.contains("streams"));
        const auto streams = playable_streams(probe);
        REQUIRE(streams.size() == 2);
        CHECK(streams[0]["codec_name"] == "h264");
        CHECK(streams[0]["nb_read_frames"] == "60");
        CHECK(streams[1]["codec_name"] == "aac");
        CHECK(std::stod(probe["format"]["duration"].get<std::string>()) == Approx(4.0).margin(0.1));
    }
    {   // the slide area shows the right page at the right time
        const auto page1 = render_pdf_page(raw / "slides" / "d1.pdf", 1, 960, 720);
        const auto page2 = render_pdf_page(raw / "slides" / "d1.pdf", 2, 960, 720);
        REQUIRE(page1.has_value());
        REQUIRE(page2.has_value());
        for (const auto& file : {out / "lesson.webm", out / "lesson.mp4"}) {
            INFO(file.string());
            const auto early = frame_at(file, 1.0);
            const auto late = frame_at(file, 3.0);
            REQUIRE(early.size() == 1280u * 720u * 4u);
            REQUIRE(late.size() == 1280u * 720u * 4u);
            CHECK(slide_psnr(early, *page1) >= 30.0);
            CHECK(slide_psnr(late, *page2) >= 30.0);
            CHECK(slide_psnr(late, *page1) < 30.0);
        }
    }
    {   // the webcam follows the sender report, not the late packets
        // The camera turns bright at 2.0 s (RTCP SR time); its packets arrived 0.4 s late.
        const auto before = frame_at(out / "lesson.webm", 1.8);
        const auto after = frame_at(out / "lesson.webm", 2.2);
        REQUIRE(after.size() == 1280u * 720u * 4u);
        REQUIRE(before.size() == 1280u * 720u * 4u);
        CHECK(green(pixel(before, 1120, 90)) < 80);
        CHECK(green(pixel(after, 1120, 90)) > 180);
    }
    {   // audio: the teacher throughout, Jonas from 2 s, never Lea
        const std::string raw_pcm =
            run(fmt::format("ffmpeg -v error -i '{}' -map 0:a -f f32le -ac 2 -ar 48000 -", (out / "lesson.webm").string()));
        std::vector<float> pcm(raw_pcm.size() / sizeof(float));
        std::memcpy(pcm.data(), raw_pcm.data(), pcm.size() * sizeof(float));
        REQUIRE(pcm.size() >= 2u * 48000u * 39u / 10u);
        CHECK(tone_level(pcm, 440, 0.5, 1.5) == Approx(0.3).margin(0.08));
        CHECK(tone_level(pcm, 440, 2.5, 3.5) == Approx(0.3).margin(0.08));
        CHECK(tone_level(pcm, 1000, 0.5, 1.5) < 0.02);
        CHECK(tone_level(pcm, 1000, 2.5, 3.5) == Approx(0.3).margin(0.08));
        CHECK(tone_level(pcm, 3000, 0.5, 3.5) < 0.02);
    }
    {   // chat.json and manifest.json
        std::ifstream chat_file(out / "chat.json");
        const auto chat = nlohmann::json::parse(chat_file);
        REQUIRE(chat.size() == 2);
        CHECK(chat[0]["t_ms"] == 1000);
        CHECK(chat[0]["name"] == "Jonas");
        CHECK(chat[0]["text"] == "Hallo 👋");
        CHECK(chat[1]["t_ms"] == 1600);
        CHECK(chat[1]["name"] == "Schüler·in 1");                  // Ali: consent unknown
        CHECK(chat.dump().find("Geheimnis") == std::string::npos); // Lea denied: her line is dropped

        std::ifstream manifest_file(out / "manifest.json");
        const auto m = nlohmann::json::parse(manifest_file);
        CHECK(m["id"] == "0123456789abcdef0123456789abcdef01234567-1700000000000");
        CHECK(m["title"] == "Mathe 7b");
        CHECK(m["context"] == "klasse-7b");
        CHECK(m["duration_ms"] == 4000);
        CHECK(m["started_utc_us"] == k_start_us);
        // the videos, lesson.opus.webm, lesson.m4a, chat.json, chapters.vtt, thumbnails.vtt + one
        // sprite, poster.jpg
        REQUIRE(m["files"].size() == 9);
        for (const auto& f : m["files"]) {
            INFO(f.dump());
            CHECK(f["bytes"] == std::filesystem::file_size(out / f["name"].get<std::string>()));
        }
        CHECK(m["files"][0]["mime"] == "video/webm");
        CHECK(m["layout"]["slide"] == nlohmann::json({{"x", 0}, {"y", 0}, {"w", 960}, {"h", 720}}));
        CHECK(m["layout"]["webcam"]["w"] == 320);
        CHECK(m["layout"]["chat"]["y"] == 180);
    }
}

TEST_CASE("render_recording stops when progress says cancel", "[integration]") {
    TempDir tmp;
    const auto raw = make_recording(tmp.path());
    RenderOptions options;
    options.output.mp4 = false;
    options.output.threads = 1;
    int calls = 0;
    auto summary = render_recording(raw, tmp.path() / "out", options, [&](int permille) {
        ++calls;
        return permille < 300;
    });
    REQUIRE_FALSE(summary.has_value());
    CHECK(summary.error().code == Errc::cancelled);
    CHECK_THAT(summary.error().message, Catch::Contains("cancelled"));
    CHECK_FALSE(std::filesystem::exists(tmp.path() / "out" / "manifest.json"));
}

TEST_CASE("render_recording refuses a recording that was never stopped", "[integration]") {
    TempDir tmp;
    const auto raw = make_recording(tmp.path(), false);
    auto summary = render_recording(raw, tmp.path() / "out", RenderOptions{}, {});
    REQUIRE_FALSE(summary.has_value());
    CHECK(summary.error().code == Errc::invalid_argument);
    CHECK_THAT(summary.error().message, Catch::Contains("stopped_utc_us"));
}

TEST_CASE("render_recording cuts paused spans from video and audio alike", "[integration]") {
    TempDir tmp;
    const auto raw = make_recording(tmp.path());
    {   // paused from 1.0 s to 2.5 s of the 4 s lesson: 2.5 s remain
        std::ofstream events(raw / "events.jsonl", std::ios::app);
        events << nlohmann::json{{"t_us", k_start_us + 1'000'000}, {"type", "recording_paused"}}.dump() << '\n';
        events << nlohmann::json{{"t_us", k_start_us + 2'500'000}, {"type", "recording_resumed"}}.dump() << '\n';
    }
    const auto out = tmp.path() / "out";
    RenderOptions options;
    options.output.threads = 2;
    auto summary = render_recording(raw, out, options, {});
    REQUIRE(summary.has_value());
    CHECK(summary->duration_ms == 2500);
    CHECK(summary->paused_ms == 1500);
    CHECK(summary->frames == 38);               // ceil(2.5 s × 15 fps)
    CHECK(summary->audio_samples == 2500 * 48);

    for (const auto& file : {out / "lesson.webm", out / "lesson.mp4"}) {
        INFO(file.string());
        const auto probe = ffprobe(file);
        REQUIRE(probe.contains("streams"));
        const auto streams = playable_streams(probe);
        REQUIRE(streams.size() == 2);
        // duration = lesson − pauses, ± 1 frame (1/15 s), for each stream
        for (const auto& s : streams) {
            INFO(s.dump());
            CHECK(stream_seconds(s) == Approx(2.5).margin(1.0 / 15 + 0.03));
        }
        CHECK(streams[0]["nb_read_frames"] == "38");
    }
    {   // before the cut: page 1 and a dark camera; after it: page 2 and a bright camera
        const auto page1 = render_pdf_page(raw / "slides" / "d1.pdf", 1, 960, 720);
        const auto page2 = render_pdf_page(raw / "slides" / "d1.pdf", 2, 960, 720);
        REQUIRE(page1.has_value());
        REQUIRE(page2.has_value());
        const auto before = frame_at(out / "lesson.mp4", 0.6);
        const auto after = frame_at(out / "lesson.mp4", 1.4);
        REQUIRE(before.size() == 1280u * 720u * 4u);
        REQUIRE(after.size() == 1280u * 720u * 4u);
        CHECK(slide_psnr(before, *page1) >= 30.0);
        CHECK(slide_psnr(after, *page2) >= 30.0);
        CHECK(green(pixel(before, 1120, 90)) < 80);
        CHECK(green(pixel(after, 1120, 90)) > 180);
    }
    {   // Jonas (1000 Hz, from lesson 2.0 s) is heard right after the cut, not before it
        const std::string raw_pcm =
            run(fmt::format("ffmpeg -v error -i '{}' -map 0:a -f f32le -ac 2 -ar 48000 -", (out / "lesson.webm").string()));
        std::vector<float> pcm(raw_pcm.size() / sizeof(float));
        std::memcpy(pcm.data(), raw_pcm.data(), pcm.size() * sizeof(float));
        REQUIRE(pcm.size() >= 2u * 48000u * 24u / 10u);
        CHECK(tone_level(pcm, 1000, 0.1, 0.9) < 0.02);
        CHECK(tone_level(pcm, 1000, 1.1, 2.3) == Approx(0.3).margin(0.08));
        CHECK(tone_level(pcm, 440, 0.1, 2.3) == Approx(0.3).margin(0.08));
    }
    { // chat times are output times: Ali wrote during the pause, shown at the resume
        std::ifstream chat_file(out / "chat.json");
        const auto chat = nlohmann::json::parse(chat_file);
        REQUIRE(chat.size() == 2);
        CHECK(chat[0]["t_ms"] == 1000);
        CHECK(chat[1]["t_ms"] == 1000);
        std::ifstream manifest_file(out / "manifest.json");
        CHECK(nlohmann::json::parse(manifest_file)["duration_ms"] == 2500);
    }
}
