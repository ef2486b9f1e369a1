// Drift test (issue 4, "Must show"): the camera's RTP clock runs 100 ppm fast against its
// wall clock for a 60-minute lesson (360 ms by the end). The sender reports tie both to the
// wall clock, and the least-squares fit over them (transcode/media_clock) keeps the flash on
// the beep to the end. Only the first 20 s and the last 30 s are rendered — the hour between
// is a recording pause, which the render job still reads, decodes and drops — so the test
// takes seconds of rendering, not an hour.
#include "sync_lesson.hpp"
#include "sync_measure.hpp"

#include "transcode/render_job.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace tafel;

TEST_CASE("sync: a camera clock 100 ppm fast over 60 minutes stays on the beep to the end", "[e2e][sync][drift]") {
    const fs::path work = fs::path(TAFEL_BINARY_DIR) / "e2e" / fmt::format("sync-drift-{}", ::getpid());
    fs::remove_all(work);
    test::SyncLessonOptions o;
    o.duration_ms = 3'600'000;
    o.first_marker_ms = 5'000;
    o.marker_interval_ms = 10'000;
    o.audio_start_ms = 3'000;
    o.video_clock_ppm = 100;
    o.jitter_ms = 30;
    o.width = 160;
    o.height = 90;
    o.pauses_ms = {{20'000, 3'570'000}};
    o.seed = 7;
    const auto lesson = test::write_sync_lesson(work / "raw", o);

    transcode::RenderOptions options;
    options.output.width = 640;
    options.output.height = 360;
    options.output.mp4 = false;
    auto summary = transcode::render_recording(lesson.dir, work / "out", options, {});
    REQUIRE(summary.has_value());
    REQUIRE(summary->duration_ms == 50'000);

    const auto trace = test::read_av_trace(work / "out" / "lesson.webm", test::webcam_probe_area(640, 360, o.width, o.height), work);
    REQUIRE(trace.error.empty());
    int measured = 0;
    for (const auto& m : lesson.markers) {
        const bool early = m.at_us < 19'000'000, late = m.at_us >= 3'571'000'000;
        if (!early && !late) continue;
        const double at = static_cast<double>(m.at_us - (late ? 3'550'000'000 : 0)) / 1e6; // output time
        const auto flash = test::first_bright_frame_s(trace, at - 0.5, at + 0.5, 137.5);
        const auto beep = test::first_loud_sample_s(trace, at - 0.5, at + 0.5, 0.2);
        INFO("marker at " << m.at_us / 1000 << " ms of the lesson, " << at << " s of the output");
        REQUIRE(flash.has_value());
        REQUIRE(beep.has_value());
        const double offset_ms = (*flash - *beep) * 1000;
        fmt::print("sync drift: marker {} ms: flash - beep = {:.1f} ms\n", m.at_us / 1000, offset_ms);
        CHECK(std::abs(offset_ms) <= 20.0);
        ++measured;
    }
    CHECK(measured == 5); // 5 and 15 s; 3575, 3585 and 3595 s
    fs::remove_all(work);
}
