// Issue 6, progressive publishing of the audio as an HLS stream: the preview job publishes
// its folder (manifest with "audio_stream", chapters, chat, audio/ with init.mp4, the first
// segment and an EVENT playlist) as soon as its first segment is written and goes on encoding
// into the published folder; at the end the playlist gets #EXT-X-ENDLIST and lesson.m4a and
// lesson.opus.webm are renamed in. The job is held (its microphone's reader waits at 28 s of
// the lesson) to observe the stream while the encode is still running — no sleeps, bounded
// waits on conditions.
#include "storage/catalog.hpp"
#include "storage/checksums.hpp"
#include "storage/layout.hpp"
#include "transcode/file_track.hpp"
#include "transcode/job_runner.hpp"

#include "queue_lesson.hpp"
#include "raw_lesson.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
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

// The segments a playlist lists, in order.
std::vector<std::string> listed_segments(const std::string& playlist) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at < playlist.size()) {
        auto end = playlist.find('\n', at);
        if (end == std::string::npos) end = playlist.size();
        const auto line = playlist.substr(at, end - at);
        if (!line.empty() && line[0] != '#') out.push_back(line);
        at = end + 1;
    }
    return out;
}

std::vector<fs::path> tmp_files(const fs::path& dir) {
    std::vector<fs::path> found;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
        if (it->path().extension() == ".tmp") found.push_back(it->path());
    return found;
}

// A real track reader that stops handing out frames from `hold_at_s` of the track on until
// released (at most two minutes): the preview job is caught mid-stream.
class Gate {
public:
    explicit Gate(double hold_at_s) : hold_ticks_(static_cast<std::int64_t>(hold_at_s * 48000)) {}
    TrackOpener opener() {
        return [this](const fs::path& dir, const ingest::TrackInfo& t,
                      const ClockAnchor& a) -> Result<std::unique_ptr<ingest::TrackReader>> {
            auto real = open_recorded_track(dir, t, a);
            // The first reading is TimedTrack's pass over the whole track (its first frames and
            // sender reports); the second one streams to the decoder: that one is held.
            if (!real || ++opened_ < 2) return real;
            return std::unique_ptr<ingest::TrackReader>(new Held(std::move(*real), *this));
        };
    }
    void release() {
        {
            std::lock_guard lock(mutex_);
            released_ = true;
        }
        cv_.notify_all();
    }
    bool reached() {
        std::lock_guard lock(mutex_);
        return reached_;
    }

private:
    class Held : public ingest::TrackReader {
    public:
        Held(std::unique_ptr<ingest::TrackReader> real, Gate& gate) : real_(std::move(real)), gate_(gate) {}
        Result<std::optional<ingest::EncodedFrame>> next() override {
            auto frame = real_->next();
            if (frame && *frame) {
                if (!first_) first_ = (*frame)->rtp_timestamp;
                if ((*frame)->rtp_timestamp - *first_ >= gate_.hold_ticks_) gate_.wait();
            }
            return frame;
        }
        const std::vector<ingest::SenderReport>& sender_reports() const override { return real_->sender_reports(); }
        const ingest::TrackStats& stats() const override { return real_->stats(); }

    private:
        std::unique_ptr<ingest::TrackReader> real_;
        Gate& gate_;
        std::optional<std::int64_t> first_;
    };
    void wait() {
        std::unique_lock lock(mutex_);
        reached_ = true;
        cv_.wait_for(lock, 120s, [&] { return released_; });
    }

    std::int64_t hold_ticks_;
    int opened_ = 0; // on the job's thread only
    std::mutex mutex_;
    std::condition_variable cv_;
    bool reached_ = false;
    bool released_ = false;
};

// The preview has published and is held mid-stream: a manifest, a playlist listing >= 1 segment.
bool streaming(const storage::Layout& layout, const std::string& id) {
    const auto dir = layout.published_dir(id);
    return fs::exists(dir / "manifest.json") && !listed_segments(read_text(dir / "audio" / "index.m3u8")).empty();
}

// A 40-s lesson (the 440 Hz microphone) paused from 10 s to 15 s: 35 s of output.
void make_paused_lesson(QueueData& d, const std::string& id) {
    make_queue_lesson(d.layout, *d.catalog, id, {.seconds = 40});
    append_event(d.layout.raw_dir(id), 10'000'000, {{"type", "recording_paused"}});
    append_event(d.layout.raw_dir(id), 15'000'000, {{"type", "recording_resumed"}});
}

// A preview job run by a runner of its own on a thread of its own, its microphone held at
// 28 s; released and joined at the latest when it goes out of scope.
class HeldPreview {
public:
    explicit HeldPreview(QueueData& d) {
        JobRunnerOptions options;
        options.database_url = d.url();
        options.render.open_track = gate_.opener();
        runner_ = JobRunner::create(options, d.layout).value();
        catalog_ = std::move(storage::Catalog::open(d.url()).value());
        thread_ = std::thread([this] { ran_ = runner_->run_once(*catalog_, "held"); });
    }
    ~HeldPreview() { finish(); }
    // Published and held mid-stream (bounded wait).
    bool streaming(const storage::Layout& layout, const std::string& id) {
        return wait_until([&] { return ::streaming(layout, id) && gate_.reached(); }, 120s);
    }
    // Lets it run to its end; whether a job ran.
    Result<bool> finish() {
        gate_.release();
        if (thread_.joinable()) thread_.join();
        return ran_;
    }

private:
    Gate gate_{28.0};
    std::unique_ptr<JobRunner> runner_;
    std::unique_ptr<storage::Catalog> catalog_;
    Result<bool> ran_ = false;
    std::thread thread_;
};

double format_seconds(const nlohmann::json& probe) {
    return std::stod(probe.at("format").at("duration").get<std::string>());
}

} // namespace

TEST_CASE("the preview publishes its audio stream at the first segment and completes it in place", "[integration]") {
    const auto backend = GENERATE(storage::test::Backend::sqlite, storage::test::Backend::postgres);
    INFO("backend: " << storage::test::backend_name(backend));
    QueueData d(backend);
    const std::string id = "streamed-lesson";
    make_paused_lesson(d, id);
    const auto job = d.catalog->enqueue(id, "preview", storage::k_priority_light).value();

    HeldPreview held(d);
    const auto dir = d.layout.published_dir(id);
    REQUIRE(held.streaming(d.layout, id));
    // Published while the job still runs: the audio part is out, the stream open-ended.
    CHECK(job_of(*d.catalog, job).state == storage::JobState::running);
    CHECK(d.catalog->recording(id).value()->ready_parts == storage::k_part_audio);
    const auto first = manifest_of(d.layout, id);
    CHECK(first.at("parts") == nlohmann::json::array({"audio"}));
    CHECK(first.at("audio_stream") == "audio/index.m3u8");
    std::set<std::string> listed;
    for (const auto& f : first.at("files")) listed.insert(f.at("name").get<std::string>());
    CHECK(listed == std::set<std::string>{"chat.json", "chapters.vtt"});
    CHECK(fs::exists(dir / "chapters.vtt"));
    CHECK(fs::exists(dir / "chat.json"));
    CHECK_FALSE(fs::exists(dir / "lesson.m4a"));
    const auto growing = read_text(dir / "audio" / "index.m3u8");
    CHECK(growing.find("#EXT-X-PLAYLIST-TYPE:EVENT") != std::string::npos);
    CHECK(growing.find("#EXT-X-MAP:URI=\"init.mp4\"") != std::string::npos);
    CHECK(growing.find("#EXT-X-ENDLIST") == std::string::npos);
    const auto early = listed_segments(growing);
    CHECK(early.front() == "seg-00000.m4s");
    CHECK(early.size() < 6); // 35 s in 6-s segments: not all of them yet
    CHECK(fs::exists(dir / "audio" / "init.mp4"));
    for (const auto& s : early) CHECK(fs::exists(dir / "audio" / s));

    const auto ran = held.finish();
    REQUIRE(ran.has_value());
    CHECK(*ran);
    CHECK(job_of(*d.catalog, job).state == storage::JobState::succeeded);

    // Complete: the playlist is closed, the whole files are in, the manifest lists them.
    const auto final_playlist = read_text(dir / "audio" / "index.m3u8");
    CHECK(final_playlist.find("#EXT-X-ENDLIST") != std::string::npos);
    const auto segments = listed_segments(final_playlist);
    CHECK(segments.size() == 6);
    for (const auto& s : segments) CHECK(fs::exists(dir / "audio" / s));
    const auto manifest = manifest_of(d.layout, id);
    CHECK(manifest.at("audio_stream") == "audio/index.m3u8");
    listed.clear();
    for (const auto& f : manifest.at("files")) listed.insert(f.at("name").get<std::string>());
    CHECK(listed == std::set<std::string>{"lesson.opus.webm", "lesson.m4a", "chat.json", "chapters.vtt"});
    CHECK(tmp_files(dir).empty());
    CHECK(fs::is_empty(d.layout.tmp_root()));
    CHECK(storage::verify_checksums(dir).value().empty());

    // The stream lasts the lesson minus its pause, as lesson.m4a, plus what lesson.m4a's edit
    // list trims and the fMP4 segments keep: the AAC encoder's priming frame and the last
    // frame's padding, at most two frames (ffprobe prints µs: a 2-µs rounding allowance).
    constexpr double k_aac_frame_s = 1024.0 / 48000.0;
    const auto stream = ffprobe(dir / "audio" / "index.m3u8");
    REQUIRE(stream.at("streams").size() == 1);
    CHECK(stream.at("streams")[0].at("codec_name") == "aac");
    CHECK(stream.at("streams")[0].at("sample_rate") == "48000");
    CHECK(stream.at("streams")[0].at("channels") == 2);
    CHECK(stream.at("streams")[0].at("profile") == "LC");
    const double stream_s = format_seconds(stream);
    const double m4a_s = format_seconds(ffprobe(dir / "lesson.m4a"));
    INFO("stream " << stream_s << " s, lesson.m4a " << m4a_s << " s");
    CHECK(m4a_s == Approx(35.0).margin(2e-6));
    CHECK(stream_s >= m4a_s - 2e-6);
    CHECK(stream_s <= m4a_s + 2 * k_aac_frame_s + 2e-6);
    const auto pcm = decode_audio(dir / "audio" / "index.m3u8");
    const double decoded_s = static_cast<double>(pcm.size() / 2) / 48000.0;
    CHECK(decoded_s >= 35.0);
    CHECK(decoded_s <= 35.0 + 2 * k_aac_frame_s);
    CHECK(tone_level(pcm, 440, 1.0, 34.0) > 0.1);
}

TEST_CASE("the full render published while a preview streams: the preview ends without touching it", "[integration]") {
    QueueData d;
    const std::string id = "overtaken-lesson";
    make_paused_lesson(d, id);
    const auto preview = d.catalog->enqueue(id, "preview", storage::k_priority_light).value();

    HeldPreview held(d);
    REQUIRE(held.streaming(d.layout, id));
    const auto preview_folder = d.layout.published_identity(id);

    REQUIRE(render_now(d, id).state == storage::JobState::succeeded);
    const auto dir = d.layout.published_dir(id);
    CHECK(d.layout.published_identity(id) != preview_folder);
    const auto render_folder = d.layout.published_identity(id);

    const auto preview_ran = held.finish();
    REQUIRE(preview_ran.has_value());
    CHECK(*preview_ran); // a job ran
    CHECK(job_of(*d.catalog, preview).state == storage::JobState::succeeded);
    // The render's folder as the render published it: nothing added, nothing altered.
    CHECK(d.layout.published_identity(id) == render_folder);
    CHECK(manifest_of(d.layout, id).at("parts") == nlohmann::json::array({"audio", "video"}));
    CHECK_FALSE(manifest_of(d.layout, id).contains("audio_stream"));
    CHECK_FALSE(fs::exists(dir / "audio"));
    CHECK(fs::exists(dir / "lesson.mp4"));
    CHECK(storage::verify_checksums(dir).value().empty());
    CHECK(tmp_files(dir).empty());
    const auto row = d.catalog->recording(id).value().value();
    CHECK(row.ready_parts == (storage::k_part_audio | storage::k_part_video));
    CHECK(row.state == storage::RecordingState::published);
    CHECK(fs::is_empty(d.layout.tmp_root()));
}

TEST_CASE("a streaming preview that is cancelled takes back what it published", "[integration]") {
    QueueData d;
    const std::string id = "cancelled-stream";
    make_paused_lesson(d, id);
    const auto job = d.catalog->enqueue(id, "preview", storage::k_priority_light).value();
    HeldPreview held(d);
    REQUIRE(held.streaming(d.layout, id));

    REQUIRE(d.catalog->cancel(job).has_value()); // `tafel jobs cancel`, or a deletion's first step
    CHECK(held.finish().has_value());
    CHECK(job_of(*d.catalog, job).state == storage::JobState::cancelled);
    CHECK_FALSE(fs::exists(d.layout.published_dir(id)));
    CHECK(fs::is_empty(d.layout.tmp_root()));
}
