#include "queue_lesson.hpp"

#include "ingest/raw_recording.hpp"
#include "raw_lesson.hpp"
#include "transcode/job_runner.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace tafel::transcode::test {

namespace fs = std::filesystem;

void make_queue_lesson(const storage::Layout& layout, storage::Catalog& catalog, const std::string& id,
                       const QueueLessonOptions& options) {
    const auto dir = layout.raw_dir(id);
    fs::create_directories(dir / "tracks");
    const std::int64_t duration_us = options.seconds * std::int64_t{1'000'000};
    ingest::RecordingInfo info;
    info.id = id;
    info.meeting = {"m-" + id, "Physik 8c", "klasse-8c"};
    info.started = WallTime{k_start_us};
    info.stopped = WallTime{k_start_us + duration_us};
    info.anchor = k_anchor;
    info.participants = {{"teacher", "Herr Vogel", ingest::Role::moderator, ingest::Consent::unknown}};
    if (options.audio) info.tracks = {track("t1", ingest::MediaKind::audio, "teacher", 40002)};
    REQUIRE(ingest::write_recording_info(dir, info).has_value());
    if (options.audio) write_opus_track(dir, "t1", 40002, 0x1234, 440, 0, duration_us);
    std::ofstream(dir / "events.jsonl").flush();
    if (options.events) {
        append_event(dir, 1'000'000,
                     {{"type", "chat"}, {"participant", "teacher"}, {"name", "Herr Vogel"}, {"text", "Willkommen"}});
        append_event(dir, 2'000'000, {{"type", "chapter"}, {"title", "Hebelgesetz"}});
    }
    storage::RecordingRow row;
    row.id = id;
    row.meeting_id = info.meeting.id;
    row.title = info.meeting.name;
    row.context = info.meeting.context;
    row.state = storage::RecordingState::stopped;
    row.started_utc_us = k_start_us;
    REQUIRE(catalog.put_recording(row).has_value());
}

QueueData::QueueData(storage::test::Backend backend) : db(backend), layout(db.dir().path() / "data") {
    REQUIRE(layout.ensure().has_value());
    auto opened = storage::Catalog::open(db.url());
    REQUIRE(opened.has_value());
    catalog = std::move(*opened);
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

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

storage::Job render_now(QueueData& d, const std::string& id) {
    const auto render = d.catalog->enqueue(id, "render").value();
    JobRunnerOptions options;
    options.database_url = d.url();
    options.render.output.threads = 1;
    auto runner = JobRunner::create(options, d.layout).value();
    (void)runner->run_once(*d.catalog, "render-now").value(); // false (nothing ran) shows in the job's state
    return job_of(*d.catalog, render);
}

} // namespace tafel::transcode::test
