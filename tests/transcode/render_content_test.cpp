// Issue 5, "Must show": content checks on rendered files. A short lesson is written the way
// the recorder writes it, rendered, and the outputs are decoded again (ffmpeg CLI) to check
// what a viewer would see and hear: the right slide at time t (PSNR against Poppler's
// rendering of the page), a whiteboard stroke after its time and gone after a clear, a
// chat line after its time, the screen share replacing the slide while active, webcam
// tiles (speaker first, initials when off, a pupil gone when consent is withdrawn),
// paused spans absent, and tones of non-consenting pupils absent from the audio (Goertzel).
#include "transcode/render_job.hpp"

#include "transcode/chat_panel.hpp"
#include "transcode/compositor.hpp"
#include "transcode/overlay_painter.hpp"
#include "transcode/slide_renderer.hpp"

#include "raw_lesson.hpp"
#include "test_media.hpp"

#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

using namespace tafel;
using namespace tafel::transcode;
using namespace tafel::transcode::test;

namespace {

constexpr std::int64_t k_lesson_us = 6'000'000;

// 6 s: slide 1 from 0, a red stroke at 1.0 s cleared at 2.0 s, a chat line at 1.5 s,
// screen share 3.0–4.5 s (a green 1280x720 picture at 5 fps), slide 2 at 4.0 s (seen
// once the share stops), paused 5.0–5.5 s. Voices: teacher 440 Hz; Jonas 1000 Hz (joined
// with consent, withdraws it at 2.0 s); Lea 3000 Hz (denied); Ali 2000 Hz (unknown, grants
// at 3.0 s). Jonas talks from 0.5 s: his tile comes first until his consent goes.
std::filesystem::path make_lesson(const std::filesystem::path& root) {
    const auto dir = root / "raw";
    std::filesystem::create_directories(dir / "tracks");
    std::filesystem::create_directories(dir / "slides");
    write_pdf(dir / "slides" / "d1.pdf", {0xFFF4D0, 0xD0E8FF, 0xE0FFE0});

    ingest::RecordingInfo info;
    info.id = "content-check";
    info.meeting = {"m1", "Mathe 7b", "klasse-7b"};
    info.started = WallTime{k_start_us};
    info.stopped = WallTime{k_start_us + k_lesson_us};
    info.anchor = k_anchor;
    info.participants = {
        {"teacher", "Frau Müller", ingest::Role::moderator, ingest::Consent::unknown},
        {"p1", "Jonas Berg", ingest::Role::viewer, ingest::Consent::denied}, // the latest value
        {"p2", "Lea", ingest::Role::viewer, ingest::Consent::denied},
        {"p3", "Ali", ingest::Role::viewer, ingest::Consent::granted},       // the latest value
    };
    info.tracks = {track("t1", ingest::MediaKind::video, "teacher", 40000),
                   track("t2", ingest::MediaKind::audio, "teacher", 40002),
                   track("t3", ingest::MediaKind::audio, "p1", 40004),
                   track("t4", ingest::MediaKind::audio, "p2", 40006),
                   track("t5", ingest::MediaKind::audio, "p3", 40008),
                   track("t6", ingest::MediaKind::video, "teacher", 40010)};
    info.decks = {{"d1", "Brüche.pdf", "slides/d1.pdf", 3}};
    REQUIRE(ingest::write_recording_info(dir, info).has_value());

    write_vp8_frames(dir, "t1", 40000, 0x11111111, encode_vp8(320, 180, 90, Yuv{200, 128, 128}, 15), 15);
    write_opus_track(dir, "t2", 40002, 0x22222222, 440, 0, k_lesson_us);
    write_opus_track(dir, "t3", 40004, 0x33333333, 1000, 0, k_lesson_us);
    write_opus_track(dir, "t4", 40006, 0x44444444, 3000, 0, k_lesson_us);
    write_opus_track(dir, "t5", 40008, 0x55555555, 2000, 0, k_lesson_us);
    // BT.601 limited-range green: Y 145, U 54, V 34.
    write_vp8_frames(dir, "t6", 40010, 0x66666666, encode_vp8(1280, 720, 30, Yuv{145, 54, 34}, 5), 5);

    append_event(dir, 0, {{"type", "participant_joined"}, {"participant", "p1"}, {"name", "Jonas Berg"},
                          {"role", "viewer"}, {"consent", "granted"}});
    append_event(dir, 0, {{"type", "slide"}, {"deck", "d1"}, {"page", 1}});
    append_event(dir, 500'000, {{"type", "talking_started"}, {"participant", "p1"}});
    append_event(dir, 1'000'000, {{"type", "draw_added"}, {"id", "s1"}, {"deck", "d1"}, {"page", 1},
                                  {"shape", "line"}, {"points", {0.1, 0.5, 0.9, 0.5}}, {"color", "#FF0000"},
                                  {"width", 0.02}});
    append_event(dir, 1'500'000, {{"type", "chat"}, {"participant", "teacher"}, {"name", "Frau Müller"},
                                  {"text", "Schaut auf die Tafel"}});
    append_event(dir, 2'000'000, {{"type", "draw_cleared"}, {"deck", "d1"}, {"page", 1}});
    append_event(dir, 2'000'000, {{"type", "consent_changed"}, {"participant", "p1"}, {"consent", "denied"}});
    append_event(dir, 2'200'000, {{"type", "chat"}, {"participant", "p1"}, {"name", "Jonas Berg"}, {"text", "ok"}});
    append_event(dir, 3'000'000, {{"type", "consent_changed"}, {"participant", "p3"}, {"consent", "granted"}});
    append_event(dir, 3'000'000, {{"type", "screenshare_started"}, {"participant", "teacher"}, {"track", "t6"}});
    append_event(dir, 4'000'000, {{"type", "slide"}, {"deck", "d1"}, {"page", 2}});
    append_event(dir, 4'500'000, {{"type", "screenshare_stopped"}, {"participant", "teacher"}, {"track", "t6"}});
    append_event(dir, 5'000'000, {{"type", "recording_paused"}});
    append_event(dir, 5'500'000, {{"type", "recording_resumed"}});
    return dir;
}

// Pixels of the chat panel's message area that differ clearly from its background.
int chat_ink(const std::string& bgra) {
    int ink = 0;
    for (int y = 200; y < 700; y += 2) {
        for (int x = 970; x < 1270; x += 2) {
            const auto p = pixel(bgra, x, y);
            if (!near_rgb(p, k_chat_background_rgb, 60)) ++ink;
        }
    }
    return ink;
}

std::string read_text(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

TEST_CASE("rendered lesson: slides, whiteboard, chat, screen share, tiles, pauses, consent", "[integration]") {
    TempDir tmp;
    const auto raw = make_lesson(tmp.path());
    const auto out = tmp.path() / "out";
    RenderOptions options;
    options.output.threads = 2;
    auto summary = render_recording(raw, out, options, {});
    REQUIRE(summary.has_value());
    CHECK(summary->duration_ms == 5500);
    CHECK(summary->audio_tracks == 3);            // Lea's microphone is never read
    CHECK(summary->muted_packets > 0);            // Jonas after 2 s, Ali before 3 s
    CHECK(summary->layout == "default");

    const auto page1 = render_pdf_page(raw / "slides" / "d1.pdf", 1, 960, 720);
    const auto page2 = render_pdf_page(raw / "slides" / "d1.pdf", 2, 960, 720);
    REQUIRE(page1.has_value());
    REQUIRE(page2.has_value());
    const std::uint32_t page1_rgb = 0xFFF4D0;

    for (const auto& file : {out / "lesson.mp4", out / "lesson.webm"}) {
        INFO(file.string());
        const auto probe = ffprobe(file);
        REQUIRE(probe.contains("streams"));
        for (const auto& s : probe["streams"]) {   // lesson − pause, ± 1 frame
            INFO(s.dump());
            CHECK(stream_seconds(s) == Approx(5.5).margin(1.0 / 15 + 0.03));
        }
        const auto at05 = frame_at(file, 0.5), at13 = frame_at(file, 1.3), at25 = frame_at(file, 2.5),
                   at35 = frame_at(file, 3.5), at47 = frame_at(file, 4.7), at52 = frame_at(file, 5.2);
        for (const auto* f : {&at05, &at13, &at25, &at35, &at47, &at52}) REQUIRE(f->size() == 1280u * 720u * 4u);

        // The right slide at t, and the stroke across the middle only between 1.0 and 2.0 s.
        CHECK(slide_psnr(at05, *page1) >= 30.0);
        CHECK(near_rgb(pixel(at05, 480, 360), page1_rgb, 24));
        CHECK(near_rgb(pixel(at13, 480, 360), 0xFF0000, 60));
        CHECK(near_rgb(pixel(at13, 200, 360), 0xFF0000, 60));
        CHECK(near_rgb(pixel(at25, 480, 360), page1_rgb, 24));
        CHECK(slide_psnr(at25, *page1) >= 30.0);

        // The chat line appears at 1.5 s (nothing before it).
        CHECK(chat_ink(at05) < 20);
        CHECK(chat_ink(at25) > 100);

        // Screen share (green) replaces the slide from 3.0 to 4.5 s; page 2 after it.
        CHECK(near_rgb(pixel(at35, 480, 360), 0x00FF00, 70));
        CHECK(slide_psnr(at35, *page1) < 20.0);
        CHECK(slide_psnr(at47, *page2) >= 30.0);
        // Output 5.2 s is lesson 5.7 s: after the pause, still page 2.
        CHECK(slide_psnr(at52, *page2) >= 30.0);

        // Tiles: Jonas (talking) first as initials beside the teacher's camera; once his
        // consent is gone, the teacher alone fills the webcam area with her bright picture.
        CHECK(near_rgb(pixel(at13, 970, 10), tile_colour("p1"), 30));
        CHECK(green(pixel(at13, 1200, 45)) > 180);
        CHECK(green(pixel(at25, 980, 90)) > 180);
        CHECK_FALSE(near_rgb(pixel(at25, 970, 10), tile_colour("p1"), 30));
    }

    {   // Audio: teacher always; Jonas only before 2 s; Ali only after 3 s; never Lea.
        const auto pcm = decode_audio(out / "lesson.webm");
        REQUIRE(pcm.size() >= 2u * 48000u * 54u / 10u);
        CHECK(tone_level(pcm, 440, 0.2, 4.8) == Approx(0.3).margin(0.08));
        CHECK(tone_level(pcm, 1000, 0.5, 1.9) == Approx(0.3).margin(0.08));
        CHECK(tone_level(pcm, 1000, 2.1, 5.4) < 0.02);
        CHECK(tone_level(pcm, 2000, 0.2, 2.9) < 0.02);
        CHECK(tone_level(pcm, 2000, 3.1, 5.4) == Approx(0.3).margin(0.08));
        CHECK(tone_level(pcm, 3000, 0.2, 5.4) < 0.02);
    }
    { // chat.json: Jonas's line after his withdrawal (denied) is not there at all.
        std::ifstream chat_file(out / "chat.json");
        const auto chat = nlohmann::json::parse(chat_file);
        REQUIRE(chat.size() == 1);
        CHECK(chat[0]["name"] == "Frau Müller");
        CHECK(chat.dump().find("Jonas") == std::string::npos);
    }
    {   // Sidecars: chapters titled from the pages' text, thumbnails, poster; all in the manifest.
        const std::string chapters = read_text(out / "chapters.vtt");
        CHECK(chapters.starts_with("WEBVTT\n"));
        CHECK_THAT(chapters, Catch::Contains("00:00:00.000 --> 00:00:04.000\nSeite 1"));
        CHECK_THAT(chapters, Catch::Contains("00:00:04.000 --> 00:00:05.500\nSeite 2"));
        // The same chapters in the containers' metadata: Matroska Chapters in the WebM files,
        // Nero chpl + QuickTime chapter track in the MP4 files.
        for (const auto& file :
             {out / "lesson.webm", out / "lesson.opus.webm", out / "lesson.mp4", out / "lesson.m4a"}) {
            INFO(file.string());
            const auto probe = nlohmann::json::parse(
                run(fmt::format("ffprobe -v error -show_chapters -of json '{}'", file.string())), nullptr, false);
            REQUIRE(probe.contains("chapters"));
            REQUIRE(probe["chapters"].size() == 2);
            const auto seconds = [&](int k, const char* key) {
                return std::stod(probe["chapters"][k][key].get<std::string>());
            };
            CHECK(seconds(0, "start_time") == Approx(0.0).margin(0.01));
            CHECK(seconds(0, "end_time") == Approx(4.0).margin(0.01));
            CHECK(probe["chapters"][0]["tags"]["title"] == "Seite 1");
            CHECK(seconds(1, "start_time") == Approx(4.0).margin(0.01));
            CHECK(seconds(1, "end_time") == Approx(5.5).margin(0.01));
            CHECK(probe["chapters"][1]["tags"]["title"] == "Seite 2");
        }
        const std::string thumbs = read_text(out / "thumbnails.vtt");
        CHECK_THAT(thumbs, Catch::Contains("00:00:00.000 --> 00:00:05.500\nthumbnails-1.jpg#xywh=0,0,160,90"));
        const auto sprite = ffprobe(out / "thumbnails-1.jpg");
        REQUIRE(sprite.contains("streams"));
        CHECK(sprite["streams"][0]["width"] == 160);
        CHECK(sprite["streams"][0]["height"] == 90);
        const auto poster = ffprobe(out / "poster.jpg");
        REQUIRE(poster.contains("streams"));
        CHECK(poster["streams"][0]["codec_name"] == "mjpeg");
        CHECK(poster["streams"][0]["width"] == 1280);
        std::ifstream manifest_file(out / "manifest.json");
        const auto m = nlohmann::json::parse(manifest_file);
        std::vector<std::string> names;
        for (const auto& f : m["files"]) names.push_back(f["name"]);
        for (const char* expected : {"lesson.webm", "lesson.mp4", "chat.json", "chapters.vtt", "thumbnails.vtt",
                                     "thumbnails-1.jpg", "poster.jpg"}) {
            CHECK(std::find(names.begin(), names.end(), expected) != names.end());
        }
        CHECK(m["layout"]["preset"] == "default");
    }
}

TEST_CASE("rendered lesson: the layout preset from recording.json", "[integration]") {
    TempDir tmp;
    const auto raw = make_lesson(tmp.path());
    {   // recording.json gains "layout": "no_webcams" (an optional field the recorder leaves out)
        std::ifstream in(raw / "recording.json");
        auto j = nlohmann::json::parse(in);
        j["layout"] = "no_webcams";
        std::ofstream(raw / "recording.json") << j.dump();
    }
    const auto out = tmp.path() / "out";
    RenderOptions options;
    options.output.threads = 2;
    options.output.webm = false;
    auto summary = render_recording(raw, out, options, {});
    REQUIRE(summary.has_value());
    CHECK(summary->layout == "no_webcams");
    const auto at25 = frame_at(out / "lesson.mp4", 2.5);
    REQUIRE(at25.size() == 1280u * 720u * 4u);
    // No webcam column: the chat panel reaches the top right, its background there.
    CHECK(near_rgb(pixel(at25, 1270, 10), k_chat_background_rgb, 12));

    options.layout = "fancy";
    auto refused = render_recording(raw, tmp.path() / "out2", options, {});
    REQUIRE_FALSE(refused.has_value());
    CHECK_THAT(refused.error().message, Catch::Contains("fancy"));
}
