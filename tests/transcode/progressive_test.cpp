// Issue 6, progressive publishing and light-job priority with the real preview job: the
// audio-only part (lesson.opus.webm, lesson.m4a, chapters, chat) is published by a light
// "preview" job, which starts within one polling interval even while every heavy slot is busy
// on a long real encode, and which never replaces a full render that finished first.
#include "ingest/raw_recording.hpp"
#include "storage/catalog.hpp"
#include "storage/layout.hpp"
#include "transcode/file_track.hpp"
#include "transcode/job_runner.hpp"

#include "raw_lesson.hpp"
#include "test_media.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>
#include <thread>

using namespace tafel;
using namespace tafel::transcode;
using namespace tafel::transcode::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// A lesson of `seconds`: the teacher's 440 Hz microphone throughout, a chat line at 1 s and
// a chapter at 2 s. With `audio` false it has no tracks at all (a long pure video encode).
void make_lesson(const storage::Layout& layout, storage::Catalog& catalog, const std::string& id, int seconds,
                 bool audio = true) {
    const auto dir = layout.raw_dir(id);
    fs::create_directories(dir / "tracks");
    const std::int64_t duration_us = seconds * std::int64_t{1'000'000};
    ingest::RecordingInfo info;
    info.id = id;
    info.meeting = {"m-" + id, "Physik 8c", "klasse-8c"};
    info.started = WallTime{k_start_us};
    info.stopped = WallTime{k_start_us + duration_us};
    info.anchor = k_anchor;
    info.participants = {{"teacher", "Herr Vogel", ingest::Role::moderator, ingest::Consent::unknown}};
    if (audio) info.tracks = {track("t1", ingest::MediaKind::audio, "teacher", 40002)};
    REQUIRE(ingest::write_recording_info(dir, info).has_value());
    if (audio) write_opus_track(dir, "t1", 40002, 0x1234, 440, 0, duration_us);
    std::ofstream(dir / "events.jsonl").flush();
    append_event(dir, 1'000'000,
                 {{"type", "chat"}, {"participant", "teacher"}, {"name", "Herr Vogel"}, {"text", "Willkommen"}});
    append_event(dir, 2'000'000, {{"type", "chapter"}, {"title", "Hebelgesetz"}});
    storage::RecordingRow row;
    row.id = id;
    row.meeting_id = info.meeting.id;
    row.title = info.meeting.name;
    row.context = info.meeting.context;
    row.state = storage::RecordingState::stopped;
    row.started_utc_us = k_start_us;
    REQUIRE(catalog.put_recording(row).has_value());
}

template <typename Pred>
bool wait_until(Pred pred, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(10ms); // polling step of a bounded wait
    }
    return pred();
}

storage::Job job_of(storage::Catalog& catalog, std::int64_t id) {
    auto j = catalog.job(id);
    REQUIRE(j.has_value());
    REQUIRE(j->has_value());
    return **j;
}

std::optional<storage::Job> job_of_kind(storage::Catalog& catalog, const std::string& id, const std::string& kind) {
    auto jobs = catalog.jobs_of(id);
    REQUIRE(jobs.has_value());
    for (const auto& j : *jobs)
        if (j.kind == kind) return j;
    return std::nullopt;
}

nlohmann::json manifest_of(const storage::Layout& layout, const std::string& id) {
    std::ifstream in(layout.published_dir(id) / "manifest.json");
    return nlohmann::json::parse(in);
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

struct Data {
    TempDir tmp;
    storage::Layout layout{tmp.path() / "data"};
    std::string url = "sqlite:" + (tmp.path() / "data" / "tafel.db").string();
    std::unique_ptr<storage::Catalog> catalog;
    Data() {
        REQUIRE(layout.ensure().has_value());
        catalog = std::move(storage::Catalog::open(url).value());
    }
};

} // namespace

TEST_CASE("the preview job publishes the audio-only part: audio files, chapters, chat, manifest", "[integration]") {
    Data d;
    const std::string id = "lesson-preview";
    make_lesson(d.layout, *d.catalog, id, 6);
    const auto job = d.catalog->enqueue(id, "preview", storage::default_priority("preview")).value();
    CHECK(job_of(*d.catalog, job).priority == storage::k_priority_light);

    JobRunnerOptions options;
    options.database_url = d.url;
    auto runner = JobRunner::create(options, d.layout).value();
    REQUIRE(runner->run_once(*d.catalog, "w").value());
    CHECK(job_of(*d.catalog, job).state == storage::JobState::succeeded);

    const auto dir = d.layout.published_dir(id);
    CHECK_FALSE(fs::exists(dir / "lesson.mp4"));
    CHECK_FALSE(fs::exists(dir / "lesson.webm"));
    const auto manifest = manifest_of(d.layout, id);
    CHECK(manifest.at("parts") == nlohmann::json::array({"audio"}));
    CHECK_FALSE(manifest.contains("layout"));
    std::set<std::string> listed;
    for (const auto& f : manifest.at("files")) listed.insert(f.at("name").get<std::string>());
    CHECK(listed == std::set<std::string>{"lesson.opus.webm", "lesson.m4a", "chat.json", "chapters.vtt"});

    // The audio as the render would publish it: the 440 Hz microphone, the whole lesson long.
    const auto opus = ffprobe(dir / "lesson.opus.webm");
    REQUIRE(opus.at("streams").size() == 1);
    CHECK(opus.at("streams")[0].at("codec_name") == "opus");
    CHECK(stream_seconds(opus.at("streams")[0]) == Approx(6.0).margin(0.1));
    const auto m4a = ffprobe(dir / "lesson.m4a");
    REQUIRE(m4a.at("streams").size() >= 1); // + the QuickTime chapter track, as the render's
    CHECK(m4a.at("streams")[0].at("codec_name") == "aac");
    const auto pcm = decode_audio(dir / "lesson.opus.webm");
    CHECK(tone_level(pcm, 440, 1.0, 5.0) > 0.1);
    CHECK(read_file(dir / "chapters.vtt").find("Hebelgesetz") != std::string::npos);
    const auto chat = nlohmann::json::parse(read_file(dir / "chat.json"));
    REQUIRE(chat.size() == 1);
    CHECK(chat[0].at("text") == "Willkommen");
    CHECK(chat[0].at("t_ms") == 1000);

    const auto row = d.catalog->recording(id).value().value();
    CHECK(row.ready_parts == storage::k_part_audio);
    CHECK(row.state == storage::RecordingState::stopped); // the render's business, not the preview's

    // Re-running the finished step does nothing: the published folder is untouched.
    const auto before = fs::last_write_time(dir / "manifest.json");
    const auto again = d.catalog->enqueue(id, "preview", storage::k_priority_light).value();
    REQUIRE(runner->run_once(*d.catalog, "w").value());
    CHECK(job_of(*d.catalog, again).state == storage::JobState::succeeded);
    CHECK(fs::last_write_time(dir / "manifest.json") == before);
}

TEST_CASE("a preview job submitted while every heavy slot encodes starts within one polling interval",
          "[integration]") {
    Data d;
    make_lesson(d.layout, *d.catalog, "long-encode", 300, /*audio=*/false);
    make_lesson(d.layout, *d.catalog, "later-lesson", 20);
    const auto render = d.catalog->enqueue("long-encode", "render").value();

    JobRunnerOptions options;
    options.database_url = d.url;
    options.concurrency = 1; // every heavy slot: one
    options.poll = 200ms;
    options.render.output.threads = 1;
    auto runner = JobRunner::create(options, d.layout).value();
    runner->start();

    // Busy on a long real encode (the render's own preview has run in the light lane).
    REQUIRE(wait_until(
        [&] {
            const auto r = job_of(*d.catalog, render);
            const auto own = job_of_kind(*d.catalog, "long-encode", "preview");
            return r.state == storage::JobState::running && r.progress_permille > 0 && own &&
                   own->state == storage::JobState::succeeded;
        },
        600s));
    const auto preview = d.catalog->enqueue("later-lesson", "preview", storage::k_priority_light).value();
    REQUIRE(wait_until([&] { return job_of(*d.catalog, preview).state == storage::JobState::succeeded; }, 120s));
    const auto p = job_of(*d.catalog, preview);
    const auto r = job_of(*d.catalog, render);
    const std::int64_t waited_us = p.started_utc_us - p.created_utc_us;
    INFO("claimed " << waited_us / 1000 << " ms after it was submitted, render at " << r.progress_permille << " ‰");
    // The figure, for docs/deploy.md.
    std::printf("light job claim latency: waited_ms=%.1f poll_ms=200 render_permille=%d\n",
                static_cast<double>(waited_us) / 1000.0, r.progress_permille);
    CHECK(waited_us >= 0);
    CHECK(waited_us <= 200'000);                  // one polling interval
    CHECK(r.state == storage::JobState::running); // still encoding: the preview did not wait for it
    CHECK(r.progress_permille < 1000);
    CHECK(fs::exists(d.layout.published_dir("later-lesson") / "lesson.opus.webm"));
    // The long render's audio-only part is out while its video is still being encoded.
    CHECK(d.catalog->recording("long-encode").value()->ready_parts == storage::k_part_audio);
    REQUIRE(d.catalog->cancel(render).has_value());
    runner->stop();
}

TEST_CASE("a preview that finishes after the full render never replaces it", "[integration]") {
    Data d;
    const std::string id = "race-lesson";
    make_lesson(d.layout, *d.catalog, id, 4);
    const auto preview = d.catalog->enqueue(id, "preview", storage::k_priority_light).value();

    // The preview's worker is held inside its job (while opening the microphone track) until
    // the full render has published: the preview saw nothing published when it started.
    std::mutex mutex;
    std::condition_variable cv;
    bool held = false, release = false;
    JobRunnerOptions slow;
    slow.database_url = d.url;
    slow.render.open_track = [&](const fs::path& dir, const ingest::TrackInfo& t, const ClockAnchor& a) {
        std::unique_lock lock(mutex);
        held = true;
        cv.notify_all();
        cv.wait_for(lock, 120s, [&] { return release; });
        return open_recorded_track(dir, t, a);
    };
    auto slow_runner = JobRunner::create(slow, d.layout).value();
    auto slow_catalog = std::move(storage::Catalog::open(d.url).value());
    Result<bool> preview_ran = false;
    std::thread preview_worker([&] { preview_ran = slow_runner->run_once(*slow_catalog, "slow"); });
    {
        std::unique_lock lock(mutex);
        REQUIRE(cv.wait_for(lock, 60s, [&] { return held; }));
    }

    const auto render = d.catalog->enqueue(id, "render").value();
    JobRunnerOptions fast;
    fast.database_url = d.url;
    fast.render.output.threads = 1;
    auto fast_runner = JobRunner::create(fast, d.layout).value();
    REQUIRE(fast_runner->run_once(*d.catalog, "fast").value());
    REQUIRE(job_of(*d.catalog, render).state == storage::JobState::succeeded);
    CHECK(manifest_of(d.layout, id).at("parts") == nlohmann::json::array({"audio", "video"}));

    {
        std::lock_guard lock(mutex);
        release = true;
    }
    cv.notify_all();
    preview_worker.join();
    REQUIRE(preview_ran.has_value());
    CHECK(*preview_ran);
    CHECK(job_of(*d.catalog, preview).state == storage::JobState::succeeded);
    // The render found the preview already there and queued no second one.
    CHECK(d.catalog->jobs_of(id).value().size() == 2);

    // Still the full render: video, the manifest saying both parts, the catalog too.
    const auto dir = d.layout.published_dir(id);
    CHECK(fs::exists(dir / "lesson.mp4"));
    CHECK(fs::exists(dir / "lesson.webm"));
    CHECK(manifest_of(d.layout, id).at("parts") == nlohmann::json::array({"audio", "video"}));
    const auto row = d.catalog->recording(id).value().value();
    CHECK(row.state == storage::RecordingState::published);
    CHECK(row.ready_parts == (storage::k_part_audio | storage::k_part_video));
    // No work folder of the losing preview is left behind.
    CHECK(fs::is_empty(d.layout.tmp_root()));
}
