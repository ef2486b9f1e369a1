// Issue 6, progressive publishing end to end: a real `tafel worker` renders a lesson while a
// real `tafel serve` answers. The audio-only part (lesson.m4a, lesson.opus.webm, chapters,
// chat) is published by the light preview job and served over HTTP while the heavy render is
// still encoding — the page shows an audio player and says the video is still being
// processed, the JSON API lists the parts ["audio"] — then the full video replaces it and
// the manifest, the API and the page say both parts are ready.
#include "child_process.hpp"
#include "data_dir.hpp"
#include "lesson_catalog.hpp"
#include "ingest/raw_recording.hpp"
#include "media_probe.hpp"
#include "storage/catalog.hpp"
#include "storage/layout.hpp"
#include "storage/submission.hpp"
#include "sync_lesson.hpp"
#include "tafel_up.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace tafel;
using namespace std::chrono_literals;
using tafel::test::ChildProcess;
using tafel::test::job_of;
using tafel::test::run_command;
namespace fs = std::filesystem;

namespace {

// The recording's parts as the JSON API lists them (empty while it is not visible yet).
std::vector<std::string> api_parts(const std::string& base, const std::string& id) {
    const auto r = run_command({"curl", "-s", "--max-time", "10", base + "/api/v1/recordings/" + id});
    const auto doc = nlohmann::json::parse(r.out, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("parts")) return {};
    return doc.at("parts").get<std::vector<std::string>>();
}

bool has(const std::vector<std::string>& parts, const std::string& part) {
    return std::find(parts.begin(), parts.end(), part) != parts.end();
}

// Downloads one published file over HTTP; the HTTP status.
int fetch(const std::string& url, const fs::path& to) {
    const auto r = run_command({"curl", "-s", "--max-time", "60", "-o", to.string(), "-w", "%{http_code}", url});
    return r.status == 0 ? std::stoi(r.out) : -1;
}

} // namespace

TEST_CASE("progressive publishing: audio, chapters and chat are served while the video still encodes", "[e2e]") {
    test::DataDir data("tafel-progressive-");
    const storage::Layout layout(data.path);
    REQUIRE(layout.ensure().has_value());
    // 90 s of the teacher's webcam and microphone, a chat line and a chapter.
    test::SyncLessonOptions o;
    o.duration_ms = 90'000;
    const auto lesson = test::write_sync_lesson(layout.root() / "raw", o);
    const std::string id = lesson.dir.filename().string();
    const auto info = ingest::read_recording_info(lesson.dir).value();
    {
        test::EventAppender event(lesson.dir, info);
        event(2'000, {{"type", "chat"},
                      {"participant", info.participants.at(0).id},
                      {"name", "Frau Roth"},
                      {"text", "Heute: Optik"}});
        event(30'000, {{"type", "chapter"}, {"title", "Brechung"}});
        REQUIRE(event.good());
    }
    const std::string url = "sqlite:" + (data.path / "tafel.db").string();
    auto catalog = std::move(storage::Catalog::open(url).value());
    REQUIRE(catalog->put_recording(test::stopped_row(info)).has_value());

    ChildProcess serve({TAFEL_EXECUTABLE, "serve", "--data-dir", data.path.string(), "--player-port", "0"},
                       (data.path / "serve.log").string());
    const auto line = serve.wait_for_line("recordings at", 60s);
    REQUIRE(line);
    const std::string base = fmt::format("http://127.0.0.1:{}", test::port_of(*line));
    ChildProcess worker({TAFEL_EXECUTABLE, "worker", "--data-dir", data.path.string(), "--workers", "1",
                         "--encoder-threads", "1", "--job-poll-ms", "200"},
                        (data.path / "worker.log").string());
    REQUIRE(worker.wait_for_line("worker ready", 60s));
    CHECK(api_parts(base, id).empty()); // nothing to see before its jobs start

    const auto start = std::chrono::steady_clock::now();
    const auto seconds_since_start = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    // As the recorder's session stop submits it: the render and its audio-only preview.
    const auto submitted = storage::submit_recording(*catalog, id).value();
    const std::int64_t render = submitted.render;
    REQUIRE(submitted.preview.has_value());

    // 1. The audio-only part.
    std::vector<std::string> parts;
    while (seconds_since_start() < 300 && !has(parts = api_parts(base, id), "audio"))
        std::this_thread::sleep_for(100ms); // polling step of a bounded wait
    const double audio_s = seconds_since_start();
    REQUIRE(has(parts, "audio"));
    // Published at the preview's first stream segment (audio/index.m3u8; the transcode tests
    // check the stream itself). What "while the video still encodes" means is checked at once,
    // at that moment: later the render may finish any time (under ASan the preview's whole AAC +
    // Opus encode costs about as much as this small render, so the two end close together).
    const auto render_then = job_of(*catalog, render);
    INFO("audio-only part served " << audio_s << " s after the render job was submitted, render at "
                                   << render_then.progress_permille << " permille");
    CHECK_FALSE(has(parts, "video"));
    CHECK(render_then.state == storage::JobState::running); // the video is still being encoded
    CHECK(render_then.progress_permille < 1000);
    const fs::path got = data.path / "downloaded";
    fs::create_directories(got);
    const std::string media = base + "/r/" + id + "/media/";
    CHECK(fetch(media + "lesson.mp4", got / "none.mp4") == 404);
    REQUIRE(fetch(media + "manifest.json", got / "manifest-1.json") == 200);
    std::ifstream first_manifest_in(got / "manifest-1.json");
    const auto first_manifest = nlohmann::json::parse(first_manifest_in);
    CHECK(first_manifest.at("parts") == nlohmann::json::array({"audio"}));
    CHECK(first_manifest.value("audio_stream", "") == "audio/index.m3u8");
    const std::string page = run_command({"curl", "-s", "--max-time", "30", base + "/r/" + id}).out;
    CHECK_THAT(page, Catch::Contains("id=\"video-processing\""));
    CHECK_THAT(page, Catch::Contains("<audio id=\"lesson\""));
    CHECK_THAT(page, Catch::Contains("data-stream="));
    CHECK_THAT(page, Catch::Contains("id=\"chapters\""));
    CHECK_THAT(page, !Catch::Contains("<video"));
    REQUIRE(fetch(media + "chapters.vtt", got / "chapters.vtt") == 200);
    std::ifstream vtt(got / "chapters.vtt");
    const std::string chapters((std::istreambuf_iterator<char>(vtt)), {});
    CHECK_THAT(chapters, Catch::StartsWith("WEBVTT"));
    CHECK_THAT(chapters, Catch::Contains("Brechung"));
    REQUIRE(fetch(media + "chat.json", got / "chat.json") == 200);
    std::ifstream chat_in(got / "chat.json");
    const auto chat = nlohmann::json::parse(chat_in);
    REQUIRE(chat.size() == 1);
    CHECK(chat[0].at("text") == "Heute: Optik");

    // lesson.m4a and lesson.opus.webm join the stream when the preview completes (or come with
    // the render's folder if that replaced the preview's first: the same audio either way).
    while (seconds_since_start() < 300 && job_of(*catalog, *submitted.preview).state != storage::JobState::succeeded)
        std::this_thread::sleep_for(100ms); // polling step of a bounded wait
    REQUIRE(job_of(*catalog, *submitted.preview).state == storage::JobState::succeeded);
    REQUIRE(fetch(media + "lesson.m4a", got / "lesson.m4a") == 200);
    REQUIRE(fetch(media + "lesson.opus.webm", got / "lesson.opus.webm") == 200);
    const auto m4a = tafel::test::probe(got / "lesson.m4a");
    CHECK(m4a.has("audio", "aac"));
    CHECK_FALSE(m4a.has("video", "h264"));
    CHECK(m4a.duration_s == Approx(90.0).margin(0.3));
    const auto opus = tafel::test::probe(got / "lesson.opus.webm");
    CHECK(opus.has("audio", "opus"));
    CHECK(opus.duration_s == Approx(90.0).margin(0.3));
    CHECK(tafel::test::audio_rms(got / "lesson.m4a") > 0.001); // the microphone, not silence

    // 2. The full video follows and replaces it.
    while (seconds_since_start() < 900 && !has(parts = api_parts(base, id), "video"))
        std::this_thread::sleep_for(250ms); // polling step of a bounded wait
    const double video_s = seconds_since_start();
    REQUIRE(has(parts, "video"));
    CHECK(parts == std::vector<std::string>{"audio", "video"});
    INFO("audio after " << audio_s << " s, video after " << video_s << " s");
    // The audio part came first (checked above while the render still ran). How much earlier
    // depends on the lesson: under ASan the preview's AAC + Opus encode costs about 2/3 of
    // this small render (docs/deploy.md), so no ratio is asserted here.
    fmt::print("progressive publishing: audio_ready_s={:.2f} video_ready_s={:.2f}\n", audio_s, video_s);

    REQUIRE(fetch(media + "manifest.json", got / "manifest-2.json") == 200);
    std::ifstream second_manifest(got / "manifest-2.json");
    CHECK(nlohmann::json::parse(second_manifest).at("parts") == nlohmann::json::array({"audio", "video"}));
    REQUIRE(fetch(media + "lesson.mp4", got / "lesson.mp4") == 200);
    const auto mp4 = tafel::test::probe(got / "lesson.mp4");
    CHECK(mp4.has("video", "h264"));
    CHECK(mp4.duration_s == Approx(90.0).margin(0.3));
    const std::string full_page = run_command({"curl", "-s", "--max-time", "30", base + "/r/" + id}).out;
    CHECK_THAT(full_page, Catch::Contains("<video id=\"lesson\""));
    CHECK_THAT(full_page, !Catch::Contains("video-processing"));
    CHECK(catalog->recording(id).value()->state == storage::RecordingState::published);

    CHECK(worker.stop(SIGTERM, 60s) == 0);
    CHECK(serve.stop(SIGTERM, 30s) == 0);
}
