// Issue 6, progressive publishing and light-job priority with the real preview job: the
// audio-only part (lesson.opus.webm, lesson.m4a, chapters, chat) is published by a light
// "preview" job, which starts within one polling interval even while every heavy slot is busy
// on a long real encode, and which never replaces a full render that finished first.
#include "ingest/raw_recording.hpp"
#include "storage/catalog.hpp"
#include "storage/layout.hpp"
#include "storage/submission.hpp"
#include "transcode/file_track.hpp"
#include "transcode/job_runner.hpp"

#include "queue_lesson.hpp"
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

TEST_CASE("the preview job publishes the audio-only part: audio files, chapters, chat, manifest", "[integration]") {
    QueueData d;
    const std::string id = "lesson-preview";
    make_queue_lesson(d.layout, *d.catalog, id, {.seconds = 6});
    const auto job = d.catalog->enqueue(id, "preview", storage::default_priority("preview")).value();
    CHECK(job_of(*d.catalog, job).priority == storage::k_priority_light);

    JobRunnerOptions options;
    options.database_url = d.url();
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
    CHECK(read_text(dir / "chapters.vtt").find("Hebelgesetz") != std::string::npos);
    const auto chat = nlohmann::json::parse(read_text(dir / "chat.json"));
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
    QueueData d;
    make_queue_lesson(d.layout, *d.catalog, "long-encode", {.seconds = 300, .audio = false});
    make_queue_lesson(d.layout, *d.catalog, "later-lesson", {.seconds = 20});
    // Submitted as the recorder submits a stopped lesson: the render and its preview.
    const auto render = storage::submit_recording(*d.catalog, "long-encode").value().render;

    JobRunnerOptions options;
    options.database_url = d.url();
    options.concurrency = 1; // every heavy slot: one
    options.poll = 200ms;
    options.render.output.threads = 1;
    auto runner = JobRunner::create(options, d.layout).value();
    runner->start();

    // Busy on a long real encode (its own preview has run in the light lane).
    REQUIRE(wait_until(
        [&] {
            const auto r = job_of(*d.catalog, render);
            const auto own = job_of_kind(*d.catalog, "long-encode", "preview");
            return r.state == storage::JobState::running && r.progress_permille > 0 && own &&
                   own->state == storage::JobState::succeeded;
        },
        600s));
    const auto later = storage::submit_recording(*d.catalog, "later-lesson").value();
    REQUIRE(later.preview.has_value());
    const auto preview = *later.preview;
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
    // The later lesson's render waits for the one heavy slot.
    CHECK(job_of(*d.catalog, later.render).state == storage::JobState::queued);
    REQUIRE(d.catalog->cancel(later.render).has_value());
    REQUIRE(d.catalog->cancel(render).has_value());
    runner->stop();
}

TEST_CASE("a preview that finishes after the full render never replaces it", "[integration]") {
    QueueData d;
    const std::string id = "race-lesson";
    make_queue_lesson(d.layout, *d.catalog, id, {.seconds = 4});
    const auto preview = d.catalog->enqueue(id, "preview", storage::k_priority_light).value();

    // The preview's worker is held inside its job (while opening the microphone track) until
    // the full render has published: the preview saw nothing published when it started.
    std::mutex mutex;
    std::condition_variable cv;
    bool held = false, release = false;
    JobRunnerOptions slow;
    slow.database_url = d.url();
    slow.render.open_track = [&](const fs::path& dir, const ingest::TrackInfo& t, const ClockAnchor& a) {
        std::unique_lock lock(mutex);
        held = true;
        cv.notify_all();
        cv.wait_for(lock, 120s, [&] { return release; });
        return open_recorded_track(dir, t, a);
    };
    auto slow_runner = JobRunner::create(slow, d.layout).value();
    auto slow_catalog = std::move(storage::Catalog::open(d.url()).value());
    Result<bool> preview_ran = false;
    std::thread preview_worker([&] { preview_ran = slow_runner->run_once(*slow_catalog, "slow"); });
    {
        std::unique_lock lock(mutex);
        REQUIRE(cv.wait_for(lock, 60s, [&] { return held; }));
    }

    REQUIRE(render_now(d, id).state == storage::JobState::succeeded);
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
    // The render queued nothing beside itself (the preview is the submission's).
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

TEST_CASE("a lesson submitted outside the processing window: its preview is published, its render waits",
          "[integration]") {
    const auto backend = GENERATE(storage::test::Backend::sqlite, storage::test::Backend::postgres);
    INFO("backend: " << storage::test::backend_name(backend));
    QueueData d(backend);
    const std::string id = "evening-lesson";
    make_queue_lesson(d.layout, *d.catalog, id, {.seconds = 6});

    // Noon, outside the 22:00-06:00 window: heavy jobs wait for the night, light ones do not.
    auto minute = std::make_shared<std::atomic<int>>(12 * 60);
    JobRunnerOptions options;
    options.database_url = d.url();
    options.poll = 200ms;
    options.window = ProcessingWindow::parse("22:00-06:00").value();
    options.minute_now = [minute] { return minute->load(); };
    options.render.output.threads = 1;
    auto runner = JobRunner::create(options, d.layout).value();
    runner->start();

    // As the recorder's session stop submits it.
    const auto submitted = storage::submit_recording(*d.catalog, id).value();
    REQUIRE(submitted.preview.has_value());
    REQUIRE(
        wait_until([&] { return job_of(*d.catalog, *submitted.preview).state == storage::JobState::succeeded; }, 120s));
    const auto preview = job_of(*d.catalog, *submitted.preview);
    INFO("preview claimed " << (preview.started_utc_us - preview.created_utc_us) / 1000 << " ms after submission");
    CHECK(preview.started_utc_us - preview.created_utc_us <= 1'000'000); // not held back by the window
    const auto dir = d.layout.published_dir(id);
    CHECK(fs::exists(dir / "lesson.m4a"));
    CHECK(fs::exists(dir / "lesson.opus.webm"));
    CHECK(fs::exists(dir / "chapters.vtt"));
    CHECK(fs::exists(dir / "chat.json"));
    CHECK_FALSE(fs::exists(dir / "lesson.mp4"));
    CHECK(manifest_of(d.layout, id).at("parts") == nlohmann::json::array({"audio"}));
    CHECK(d.catalog->recording(id).value()->ready_parts == storage::k_part_audio);
    // Five polling intervals later the render is still untouched: the window is closed.
    CHECK_FALSE(
        wait_until([&] { return job_of(*d.catalog, submitted.render).state != storage::JobState::queued; }, 1s));

    minute->store(23 * 60); // the window opens: the video follows and replaces the preview
    REQUIRE(
        wait_until([&] { return job_of(*d.catalog, submitted.render).state == storage::JobState::succeeded; }, 300s));
    runner->stop();
    CHECK(fs::exists(dir / "lesson.mp4"));
    CHECK(manifest_of(d.layout, id).at("parts") == nlohmann::json::array({"audio", "video"}));
    const auto row = d.catalog->recording(id).value().value();
    CHECK(row.ready_parts == (storage::k_part_audio | storage::k_part_video));
    CHECK(row.state == storage::RecordingState::published);
}

TEST_CASE("a lesson queued before the worker starts: the heavy thread takes the render, the light lane the preview",
          "[integration]") {
    const auto backend = GENERATE(storage::test::Backend::sqlite, storage::test::Backend::postgres);
    INFO("backend: " << storage::test::backend_name(backend));
    QueueData d(backend);
    const std::string id = "ended-lesson";
    make_queue_lesson(d.layout, *d.catalog, id, {.seconds = 6});
    // Both jobs wait before any worker thread looks: whichever thread looks first, the render
    // must go to the heavy thread, or the video waits behind the preview (bench/publish).
    const auto submitted = storage::submit_recording(*d.catalog, id).value();
    REQUIRE(submitted.preview.has_value());
    JobRunnerOptions options;
    options.database_url = d.url();
    options.worker_name = "host";
    options.poll = 200ms;
    options.render.output.threads = 1;
    auto runner = JobRunner::create(options, d.layout).value();
    runner->start();
    REQUIRE(
        wait_until([&] { return job_of(*d.catalog, submitted.render).state == storage::JobState::succeeded; }, 300s));
    REQUIRE(
        wait_until([&] { return job_of(*d.catalog, *submitted.preview).state != storage::JobState::running; }, 60s));
    runner->stop();
    const auto render = job_of(*d.catalog, submitted.render);
    const auto preview = job_of(*d.catalog, *submitted.preview);
    CHECK(render.worker.ends_with("-0"));
    CHECK(render.attempts == 1);
    // The preview ran on the lane (or was cancelled, had the render been published first).
    if (preview.state == storage::JobState::succeeded)
        CHECK(preview.worker.ends_with("-light"));
    else
        CHECK(preview.state == storage::JobState::cancelled);
}

TEST_CASE("a published render cancels the queued preview and a resubmission queues none", "[integration]") {
    const auto backend = GENERATE(storage::test::Backend::sqlite, storage::test::Backend::postgres);
    INFO("backend: " << storage::test::backend_name(backend));
    QueueData d(backend);
    const std::string id = "rendered-first";
    make_queue_lesson(d.layout, *d.catalog, id, {.seconds = 4});
    const auto submitted = storage::submit_recording(*d.catalog, id).value();
    REQUIRE(submitted.preview.has_value());

    // The preview's first attempt fails (its microphone track cannot be opened) and waits
    // for its retry (backoff); meanwhile the render runs and publishes the whole lesson.
    std::atomic<int> opened{0};
    JobRunnerOptions options;
    options.database_url = d.url();
    options.render.output.threads = 1;
    options.render.open_track = [&](const fs::path& dir, const ingest::TrackInfo& t,
                                    const ClockAnchor& a) -> Result<std::unique_ptr<ingest::TrackReader>> {
        if (opened++ == 0) return fail(Errc::io, "the microphone's track is not readable (test)");
        return open_recorded_track(dir, t, a);
    };
    auto runner = JobRunner::create(options, d.layout).value();
    REQUIRE(runner->run_once(*d.catalog, "w").value()); // the preview: light, claimed first
    const auto failed_once = job_of(*d.catalog, *submitted.preview);
    REQUIRE(failed_once.state == storage::JobState::queued);
    CHECK(failed_once.attempts == 1);
    CHECK_FALSE(fs::exists(d.layout.published_dir(id)));
    REQUIRE(runner->run_once(*d.catalog, "w").value()); // the render
    REQUIRE(job_of(*d.catalog, submitted.render).state == storage::JobState::succeeded);

    // The preview would only be a no-op now: cancelled, never run, never published.
    CHECK(job_of(*d.catalog, *submitted.preview).state == storage::JobState::cancelled);
    CHECK_FALSE(d.catalog->claim("w", 30s).value().has_value());
    CHECK(manifest_of(d.layout, id).at("parts") == nlohmann::json::array({"audio", "video"}));
    CHECK(d.catalog->recording(id).value()->ready_parts == (storage::k_part_audio | storage::k_part_video));

    // Submitted again (a re-render of the published lesson): the audio is out, no preview.
    const auto again = storage::submit_recording(*d.catalog, id).value();
    CHECK_FALSE(again.preview.has_value());
    CHECK(d.catalog->jobs_of(id).value().size() == 3);
    REQUIRE(d.catalog->cancel(again.render).has_value());
}
