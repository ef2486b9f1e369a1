// Progressive publishing in the player (issue 6): a recording whose audio-only part is
// published while its video is still being encoded is listed, its page plays the audio with
// chapters and chat and says the video is still being processed, the JSON API lists its
// parts; once the video is there the page shows the video again.
#include "tests/player/fixture.hpp"
#include "tests/player/http_client.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

using namespace tafel;
using namespace tafel::player::test;

namespace {

constexpr const char* k_audio_id = "99cc-1700000300000";

// The preview job's folder: audio files, chapters, chat, manifest with "parts": ["audio"].
void publish_audio_part(const storage::Layout& layout) {
    const auto dir = layout.published_dir(k_audio_id);
    std::filesystem::create_directories(dir);
    write_file(dir / "lesson.m4a", std::string(2048, 'a'));
    write_file(dir / "lesson.opus.webm", std::string(1024, 'o'));
    write_file(dir / "chapters.vtt", "WEBVTT\n\n00:00:00.000 --> 00:00:05.000\nEinstieg\n");
    write_file(dir / "chat.json", "[]");
    write_file(dir / "manifest.json",
               R"({"id": "99cc-1700000300000", "parts": ["audio"], "files": [{"name": "lesson.m4a"},
                  {"name": "lesson.opus.webm"}, {"name": "chapters.vtt"}, {"name": "chat.json"}]})");
}

} // namespace

TEST_CASE("a recording with only its audio part published is played as audio with a processing note", "[integration]") {
    ServerFixture fx;
    storage::RecordingRow row;
    row.id = k_audio_id;
    row.meeting_id = "physik";
    row.title = "Physik 8c";
    row.context = "klasse-8c";
    row.state = storage::RecordingState::processing;
    row.started_utc_us = 1'700'000'300'000'000;
    REQUIRE(fx.data.catalog->put_recording(row).has_value());
    publish_audio_part(fx.data.layout);

    // Before the audio part is marked ready it does not exist for viewers.
    CHECK(http_request(fx.port(), "GET", fmt::format("/r/{}", k_audio_id)).status == 404);
    REQUIRE(fx.data.catalog->mark_parts_ready(k_audio_id, storage::k_part_audio).has_value());

    const auto page = http_request(fx.port(), "GET", fmt::format("/r/{}", k_audio_id));
    REQUIRE(page.status == 200);
    const auto& b = page.body;
    CHECK(b.find("id=\"video-processing\"") != std::string::npos);
    CHECK(b.find("Das Video wird noch verarbeitet") != std::string::npos);
    CHECK(b.find("data-parts=\"audio\"") != std::string::npos);
    const auto audio = b.find("<audio id=\"lesson\" controls");
    const auto m4a = b.find(fmt::format("<source src=\"/r/{}/media/lesson.m4a\" type=\"audio/mp4\">", k_audio_id));
    const auto opus =
        b.find(fmt::format("<source src=\"/r/{}/media/lesson.opus.webm\" type=\"audio/webm\">", k_audio_id));
    REQUIRE(audio != std::string::npos);
    REQUIRE(m4a != std::string::npos);
    REQUIRE(opus != std::string::npos);
    CHECK(audio < m4a);
    CHECK(m4a < opus); // Safari plays only AAC: first
    CHECK(b.find("<video") == std::string::npos);
    CHECK(b.find(fmt::format("data-src=\"/r/{}/media/chapters.vtt\"", k_audio_id)) != std::string::npos);
    CHECK(b.find(fmt::format("data-src=\"/r/{}/media/chat.json\"", k_audio_id)) != std::string::npos);
    const auto en = http_request(fx.port(), "GET", fmt::format("/r/{}?lang=en", k_audio_id));
    CHECK(en.body.find("The video is still being processed") != std::string::npos);

    // The audio is served; the video is not there yet.
    const auto file = http_request(fx.port(), "GET", fmt::format("/r/{}/media/lesson.m4a", k_audio_id));
    CHECK(file.status == 200);
    CHECK(file.body == std::string(2048, 'a'));
    CHECK(http_request(fx.port(), "GET", fmt::format("/r/{}/media/lesson.mp4", k_audio_id)).status == 404);

    // The API lists the parts; the list page marks it.
    const auto api =
        nlohmann::json::parse(http_request(fx.port(), "GET", fmt::format("/api/v1/recordings/{}", k_audio_id)).body);
    CHECK(api.at("state") == "processing");
    CHECK(api.at("parts") == nlohmann::json::array({"audio"}));
    CHECK(api.at("urls").at("m4a") == fmt::format("/r/{}/media/lesson.m4a", k_audio_id));
    const auto all = nlohmann::json::parse(http_request(fx.port(), "GET", "/api/v1/recordings").body);
    bool listed = false;
    for (const auto& r : all.at("recordings")) {
        if (r.at("id") == k_audio_id) listed = true;
        if (r.at("id") == k_id) CHECK(r.at("parts") == nlohmann::json::array({"audio", "video"}));
    }
    CHECK(listed);
    const auto list = http_request(fx.port(), "GET", "/");
    CHECK(list.body.find("Physik 8c") != std::string::npos);
    CHECK(list.body.find("Nur Ton – Video folgt") != std::string::npos);

    // The render publishes the full set: the page shows the video.
    const auto dir = fx.data.layout.published_dir(k_audio_id);
    write_file(dir / "lesson.mp4", std::string(4096, 'v'));
    REQUIRE(fx.data.catalog->set_recording_state(k_audio_id, storage::RecordingState::published, {}, 5000).has_value());
    REQUIRE(fx.data.catalog->mark_parts_ready(k_audio_id, storage::k_part_audio | storage::k_part_video).has_value());
    const auto full = http_request(fx.port(), "GET", fmt::format("/r/{}", k_audio_id));
    REQUIRE(full.status == 200);
    CHECK(full.body.find("<video id=\"lesson\"") != std::string::npos);
    CHECK(full.body.find("video-processing") == std::string::npos);
    const auto api_full =
        nlohmann::json::parse(http_request(fx.port(), "GET", fmt::format("/api/v1/recordings/{}", k_audio_id)).body);
    CHECK(api_full.at("parts") == nlohmann::json::array({"audio", "video"}));
}
