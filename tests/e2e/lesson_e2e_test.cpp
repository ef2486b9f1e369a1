// The walking skeleton end to end, through the real binary: `tafel up` (recorder + worker +
// player), `tafel simulate` playing a 20-second lesson as real RTP over loopback, then the
// published files checked with ffprobe/ffmpeg and the player checked over HTTP with curl.
#include "child_process.hpp"
#include "media_probe.hpp"
#include "tafel_up.hpp"

#include "transcode/chat_panel.hpp"
#include "transcode/slide_renderer.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using tafel::test::run_command;

namespace {

constexpr int k_width = 1280;
constexpr int k_height = 720;

nlohmann::json read_json(const fs::path& file) {
    std::ifstream in(file);
    return nlohmann::json::parse(in, nullptr, false);
}

std::string read_file(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

TEST_CASE("a 20-second simulated lesson goes from RTP to a playback page", "[e2e]") {
    tafel::test::TafelUp up(fs::path(TAFEL_BINARY_DIR) / "e2e" / fmt::format("lesson-{}", ::getpid()), 47000, 47999);
    const fs::path& data = up.data;
    const int player_port = up.player_port;

    // The lesson: 20 s, a slide change every 5 s (pages 1..4), 6 chat messages.
    const std::string id =
        tafel::test::simulate_lesson(up, {"--duration", "20s", "--slide-interval", "5s", "--chat", "6"}, 90s);
    INFO("recording " << id);

    REQUIRE(tafel::test::wait_for_state(player_port, id, 300s) == "published");

    const fs::path published = data / "published" / id;
    const fs::path raw = data / "raw" / id;
    const auto manifest = read_json(published / "manifest.json");
    REQUIRE_FALSE(manifest.is_discarded());
    const auto recording = read_json(raw / "recording.json");
    REQUIRE_FALSE(recording.is_discarded());
    const std::int64_t started_us = recording["started_utc_us"];
    const std::int64_t lesson_ms = (recording["stopped_utc_us"].get<std::int64_t>() - started_us) / 1000;
    CHECK(lesson_ms >= 19'500);
    CHECK(lesson_ms <= 22'000);

    { // One run of the lesson serves every check (a SECTION would rerun it).
        INFO("both files exist with the right codecs, size and duration");
        const auto webm = tafel::test::probe(published / "lesson.webm");
        const auto mp4 = tafel::test::probe(published / "lesson.mp4");
        CHECK(webm.has("video", "vp9"));
        CHECK(webm.has("audio", "opus"));
        CHECK(mp4.has("video", "h264"));
        CHECK(mp4.has("audio", "aac"));
        for (const auto* f : {&webm, &mp4}) {
            for (const auto& s : f->streams) {
                if (s.codec_type == "video") {
                    CHECK(s.width == k_width);
                    CHECK(s.height == k_height);
                }
            }
            CHECK(std::abs(f->duration_s * 1000.0 - static_cast<double>(lesson_ms)) <= 500.0);
        }
        // faststart: the MP4's moov box comes before its mdat box.
        const std::string bytes = read_file(published / "lesson.mp4");
        const auto moov = bytes.find("moov");
        const auto mdat = bytes.find("mdat");
        REQUIRE(moov != std::string::npos);
        REQUIRE(mdat != std::string::npos);
        CHECK(moov < mdat);
    }

    { // One run of the lesson serves every check (a SECTION would rerun it).
        INFO("the audio carries both microphones, not silence");
        CHECK(tafel::test::audio_rms(published / "lesson.webm") > 0.02);
        CHECK(tafel::test::audio_rms(published / "lesson.mp4") > 0.02);
    }

    { // One run of the lesson serves every check (a SECTION would rerun it).
        INFO("one second after each slide change the frame shows that slide");
        const auto& area = manifest["layout"]["slide"];
        const int x = area["x"], y = area["y"], w = area["w"], h = area["h"];
        REQUIRE(recording["decks"].size() == 1);
        const fs::path pdf = raw / recording["decks"][0]["file"].get<std::string>();
        std::ifstream events(raw / "events.jsonl");
        std::string line;
        int changes = 0;
        while (std::getline(events, line)) {
            const auto e = nlohmann::json::parse(line, nullptr, false);
            if (e.is_discarded() || e.value("type", "") != "slide") continue;
            const int page = e["page"];
            const std::int64_t t_ms = (e["t_us"].get<std::int64_t>() - started_us) / 1000 + 1000;
            if (t_ms >= lesson_ms) continue;
            ++changes;
            auto expected = tafel::transcode::render_pdf_page(pdf, page, w, h);
            REQUIRE(expected);
            const int other_page = page == 1 ? 2 : 1;
            auto other = tafel::transcode::render_pdf_page(pdf, other_page, w, h);
            REQUIRE(other);
            for (const char* file : {"lesson.webm", "lesson.mp4"}) {
                const auto frame = tafel::test::frame_rgb_at(published / file, t_ms, k_width, k_height);
                REQUIRE(frame.size() == static_cast<std::size_t>(k_width * k_height * 3));
                const tafel::test::RgbView view{frame.data(), k_width, k_height};
                const double right = tafel::test::luma_psnr(view, x, y, w, h, expected->pixels.data(), expected->stride);
                const double wrong = tafel::test::luma_psnr(view, x, y, w, h, other->pixels.data(), other->stride);
                INFO(file << " at " << t_ms << " ms: page " << page << " PSNR " << right << " dB, page "
                          << other_page << " PSNR " << wrong << " dB");
                CHECK(right >= 30.0);
                CHECK(wrong < right - 6.0);
            }
        }
        CHECK(changes >= 4);
    }

    { // One run of the lesson serves every check (a SECTION would rerun it).
        INFO("a chat message is visible only after its time");
        const auto chat = read_json(published / "chat.json");
        REQUIRE(chat.is_array());
        REQUIRE(chat.size() == 6);
        std::vector<tafel::transcode::ChatLine> lines;
        for (const auto& c : chat) lines.push_back({c["t_ms"], c["name"], c["text"]});
        const auto& area = manifest["layout"]["chat"];
        const int x = area["x"], y = area["y"], w = area["w"], h = area["h"];
        // The third message: the panel just before it shows two messages, just after it three.
        const std::int64_t t_ms = lines[2].t_ms;
        const auto before_panel = tafel::transcode::render_chat_panel(std::span(lines).first(2), w, h);
        const auto after_panel = tafel::transcode::render_chat_panel(std::span(lines).first(3), w, h);
        for (const char* file : {"lesson.webm", "lesson.mp4"}) {
            const auto before = tafel::test::frame_rgb_at(published / file, t_ms - 400, k_width, k_height);
            const auto after = tafel::test::frame_rgb_at(published / file, t_ms + 400, k_width, k_height);
            REQUIRE(before.size() == static_cast<std::size_t>(k_width * k_height * 3));
            REQUIRE(after.size() == before.size());
            const tafel::test::RgbView b{before.data(), k_width, k_height};
            const tafel::test::RgbView a{after.data(), k_width, k_height};
            const double before_as_before = tafel::test::luma_psnr(b, x, y, w, h, before_panel.pixels.data(), before_panel.stride);
            const double before_as_after = tafel::test::luma_psnr(b, x, y, w, h, after_panel.pixels.data(), after_panel.stride);
            const double after_as_after = tafel::test::luma_psnr(a, x, y, w, h, after_panel.pixels.data(), after_panel.stride);
            INFO(file << ": before/before " << before_as_before << " dB, before/after " << before_as_after
                      << " dB, after/after " << after_as_after << " dB");
            CHECK(before_as_before >= 30.0);
            CHECK(after_as_after >= 30.0);
            CHECK(before_as_after < before_as_before - 6.0);
        }
    }

    { // One run of the lesson serves every check (a SECTION would rerun it).
        INFO("the player lists the lesson and serves byte ranges");
        const auto list = run_command({"curl", "-s", fmt::format("http://127.0.0.1:{}/", player_port)});
        CHECK(list.status == 0);
        CHECK(list.out.find(fmt::format("/r/{}", id)) != std::string::npos);
        const auto page = run_command({"curl", "-s", fmt::format("http://127.0.0.1:{}/r/{}", player_port, id)});
        CHECK(page.out.find("<video") != std::string::npos);

        const fs::path part = data / "range.bin";
        const auto range = run_command({"curl", "-s", "-o", part.string(), "-w", "%{http_code}", "-H",
                                        "Range: bytes=1000-1999",
                                        fmt::format("http://127.0.0.1:{}/r/{}/media/lesson.mp4", player_port, id)});
        CHECK(range.out == "206");
        const std::string got = read_file(part);
        const std::string whole = read_file(published / "lesson.mp4");
        REQUIRE(whole.size() > 2000);
        CHECK(got.size() == 1000);
        CHECK(got == whole.substr(1000, 1000));
    }

    CHECK(up.process.stop(SIGINT, 60s) == 0);
}
