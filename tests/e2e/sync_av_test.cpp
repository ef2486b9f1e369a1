// A/V sync proven on the rendered files (issue 4, "Must show"): the teacher's camera flashes
// and the microphone beeps at the same capture instant at every marker; the lesson reaches
// the recorder through loss, 30 ms jitter and reordering, the microphone starting 3 s after
// the camera; lesson.webm and lesson.mp4 are rendered by the real render job and measured
// by ffmpeg (sync_measure.hpp). The generator writes the raw recording directly, with the
// arrival times the recorder would have stamped, so a lesson takes seconds, not its length.
#include "sync_lesson.hpp"
#include "sync_measure.hpp"

#include "transcode/render_job.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace tafel;
using tafel::test::SyncLesson;
using tafel::test::SyncLessonOptions;

namespace {

constexpr double k_flash_threshold = (test::k_sync_dark_luma + test::k_sync_flash_luma) / 2.0;
constexpr double k_beep_threshold = 0.2; // the beep peaks at 0.5

struct Work {
    fs::path dir;
    explicit Work(const std::string& name) : dir(fs::path(TAFEL_BINARY_DIR) / "e2e" / fmt::format("{}-{}", name, ::getpid())) {
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    ~Work() {
        if (std::getenv("TAFEL_KEEP") == nullptr) fs::remove_all(dir);
    }
};

struct Offsets {
    std::vector<double> ms;  // flash minus beep per marker (positive: the picture is late)
    std::vector<double> audio_error_ms; // beep against its true lesson time
    std::string report;
};

// Output time of lesson time `us` once the paused spans are cut out.
double output_s(std::int64_t us, const SyncLessonOptions& o) {
    std::int64_t cut = 0;
    for (const auto& [from, to] : o.pauses_ms) {
        if (us >= to * 1000) cut += (to - from) * 1000;
    }
    return static_cast<double>(us - cut) / 1e6;
}

bool in_pause(std::int64_t us, const SyncLessonOptions& o) {
    return std::any_of(o.pauses_ms.begin(), o.pauses_ms.end(),
                       [&](const auto& p) { return us >= p.first * 1000 - 1'000'000 && us < p.second * 1000 + 1'000'000; });
}

// Measures every marker of `lesson` in `file`. The loss stage may have removed a marker's
// first flash frame or beep packet: the ground truth says which content arrived first, and
// its capture time is where it belongs.
Offsets measure(const fs::path& file, const SyncLesson& lesson, const SyncLessonOptions& o, int width, int height,
                const fs::path& scratch) {
    Offsets r;
    const auto trace = test::read_av_trace(file, test::webcam_probe_area(width, height, o.width, o.height), scratch);
    REQUIRE(trace.error.empty());
    for (const auto& m : lesson.markers) {
        if (in_pause(m.at_us, o)) continue;
        REQUIRE(m.first_flash_us >= 0); // the loss stage took every flash frame: pick another seed
        REQUIRE(m.first_beep_us >= 0);
        const double flash_at = output_s(m.first_flash_us, o), beep_at = output_s(m.first_beep_us, o);
        const auto flash = test::first_bright_frame_s(trace, flash_at - 0.5, flash_at + 0.5, k_flash_threshold);
        const auto beep = test::first_loud_sample_s(trace, beep_at - 0.5, beep_at + 0.5, k_beep_threshold);
        INFO(file.filename().string() << " marker at " << m.at_us / 1000 << " ms");
        REQUIRE(flash.has_value());
        REQUIRE(beep.has_value());
        // Both measured relative to where their content belongs, so a lost first frame or
        // packet does not count as an offset.
        const double offset_ms = ((*flash - flash_at) - (*beep - beep_at)) * 1000;
        r.ms.push_back(offset_ms);
        r.audio_error_ms.push_back((*beep - beep_at) * 1000);
    }
    const auto [lo, hi] = std::minmax_element(r.ms.begin(), r.ms.end());
    double worst = 0;
    for (double v : r.ms) worst = std::max(worst, std::abs(v));
    r.report = fmt::format("{}: {} markers, flash-beep offset min {:.1f} ms max {:.1f} ms worst |{:.1f}| ms", file.filename().string(),
                           r.ms.size(), r.ms.empty() ? 0 : *lo, r.ms.empty() ? 0 : *hi, worst);
    return r;
}

transcode::RenderSummary render(const fs::path& raw, const fs::path& out, int width, int height) {
    transcode::RenderOptions options;
    options.output.width = width;
    options.output.height = height;
    auto summary = transcode::render_recording(raw, out, options, {});
    if (!summary) FAIL("render of " << raw.string() << ": " << summary.error().describe());
    return *summary;
}

SyncLessonOptions impaired(std::int64_t duration_ms, std::int64_t marker_every_ms) {
    SyncLessonOptions o;
    o.duration_ms = duration_ms;
    o.first_marker_ms = 4'000; // after the microphone started (3 s)
    o.marker_interval_ms = marker_every_ms;
    o.audio_start_ms = 3'000;
    o.video_loss = o.audio_loss = 0.02;
    o.jitter_ms = 30;
    o.reorder_share = 0.02;
    o.reorder_max = 10;
    return o;
}

double seconds_since(std::chrono::steady_clock::time_point from) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - from).count();
}

void run_sync(const SyncLessonOptions& o, double limit_ms, const std::string& name, int width, int height) {
    Work work(name);
    auto phase = std::chrono::steady_clock::now();
    const SyncLesson lesson = test::write_sync_lesson(work.dir / "raw", o);
    std::string timing = fmt::format("generate {:.1f} s", seconds_since(phase));
    INFO(fmt::format("{} RTP packets, {} lost, {} reordered (up to {} packets)", lesson.rtp_packets, lesson.lost,
                     lesson.reordered, lesson.max_reorder_distance));
    CHECK(lesson.lost > 0);
    CHECK(lesson.max_reorder_distance >= 1);
    phase = std::chrono::steady_clock::now();
    const auto summary = render(lesson.dir, work.dir / "out", width, height);
    timing += fmt::format(", render {:.1f} s", seconds_since(phase));
    CHECK(summary.webcam);
    CHECK(summary.audio_tracks == 1);
    for (const char* file : {"lesson.webm", "lesson.mp4"}) {
        phase = std::chrono::steady_clock::now();
        const Offsets r = measure(work.dir / "out" / file, lesson, o, width, height, work.dir);
        timing += fmt::format(", measure {} {:.1f} s", file, seconds_since(phase));
        fmt::print("{} ({}): {}\n", name, o.sender_reports ? "sender reports" : "no sender reports", r.report);
        REQUIRE(r.ms.size() >= 3);
        for (std::size_t i = 0; i < r.ms.size(); ++i) {
            INFO(r.report << "; marker " << i);
            CHECK(std::abs(r.ms[i]) <= limit_ms);
            // Streams land at their true offsets: the late microphone is not pulled to t = 0.
            if (o.sender_reports) CHECK(std::abs(r.audio_error_ms[i]) <= 20.0);
        }
    }
    fmt::print("{}: {}\n", name, timing);
}

} // namespace

TEST_CASE("sync: flash and beep line up in lesson.webm and lesson.mp4 through loss and jitter and reordering",
          "[e2e][sync]") {
    // 24 s with a marker every 2 s: the CTest variant of the 10-minute lesson below.
    run_sync(impaired(24'000, 2'000), 20.0, "sync-sr", 640, 360);
}

TEST_CASE("sync: without sender reports the arrival times keep flash and beep within 60 ms", "[e2e][sync]") {
    auto o = impaired(24'000, 2'000);
    o.sender_reports = false;
    o.seed = 2;
    run_sync(o, 60.0, "sync-nosr", 640, 360);
}

// The lesson: 10 minutes, a marker every 10 s (60 markers), in CTest. Rendered at
// 640x360 like the 24-s variant: the sync property does not depend on the output size. At
// 1280x720 a variant cost ~2.6 min of CPU under ASan, at 640x360 ~1.2 min; the difference is
// all in work on output-sized frames (render, ffmpeg measurement), since generation does
// not depend on the output size (docs/sync.md). One test case per variant, so
// CTest can run them side by side; TIMEOUT in tests/e2e/CMakeLists.txt.
TEST_CASE("sync: the issue's 10-minute lesson with sender reports, a marker every 10 s", "[e2e][sync][sync-10min]") {
    run_sync(impaired(600'000, 10'000), 20.0, "sync-10min-sr", 640, 360);
}

TEST_CASE("sync: the issue's 10-minute lesson without sender reports, a marker every 10 s",
          "[e2e][sync][sync-10min]") {
    auto o = impaired(600'000, 10'000);
    o.sender_reports = false;
    run_sync(o, 60.0, "sync-10min-nosr", 640, 360);
}
