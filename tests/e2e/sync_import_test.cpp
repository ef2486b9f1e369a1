// `tafel import` through the real binary: a capture the project did not make (Membrane's VP8
// pcap in ../shared/reference/rtp/, not shipped with tafel) becomes a raw recording that
// `tafel process` renders like a live one. Without ../shared the test fails and says so.
#include "child_process.hpp"
#include "media_probe.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <unistd.h>

namespace fs = std::filesystem;
using tafel::test::run_command;

TEST_CASE("tafel import turns a foreign RTP capture into a recording that renders", "[e2e][import][reference]") {
    const fs::path capture = fs::path(TAFEL_SOURCE_DIR) / ".." / "shared" / "reference" / "rtp" / "membrane-input_vp8.pcap";
    if (!fs::exists(capture)) {
        FAIL("reference capture missing: " << capture.lexically_normal().string()
                                           << " is not in this workspace (../shared/ is not part of the project); nothing was imported");
    }
    const fs::path work = fs::path(TAFEL_BINARY_DIR) / "e2e" / fmt::format("import-{}", ::getpid());
    fs::remove_all(work);
    fs::create_directories(work);

    const auto imported = run_command({TAFEL_EXECUTABLE, "import", capture.string(), (work / "raw").string()});
    INFO(imported.out);
    REQUIRE(imported.status == 0);
    CHECK_THAT(imported.out, Catch::Contains("video VP8/90000") && Catch::Contains("410 datagrams (0 not imported)"));
    fs::path recording;
    for (const auto& e : fs::directory_iterator(work / "raw")) recording = e.path();
    REQUIRE(fs::exists(recording / "recording.json"));
    REQUIRE(fs::exists(recording / "tracks" / "t1.pcap"));

    const auto processed = run_command({TAFEL_EXECUTABLE, "process", recording.string(), (work / "out").string()});
    INFO(processed.out);
    REQUIRE(processed.status == 0);
    const auto webm = tafel::test::probe(work / "out" / "lesson.webm");
    CHECK(webm.has("video", "vp9"));
    // 300 frames at 30 fps: the lesson lasts exactly as long as the imported stream.
    CHECK(webm.duration_s == Approx(10.0).margin(0.2));
    fs::remove_all(work);
}
