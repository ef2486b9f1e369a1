// The real BigBlueButton events.xml files of ../shared/reference/bbb-events/ (LGPL-3.0
// fixtures of bigbluebutton/bbb-events; the project ships no copy — this file is built only
// where that folder exists) with media synthesised under the names their events give:
// each imports with nothing unsupported, renders and has no warning.
#include "archive/bbb_events.hpp"
#include "archive/importer.hpp"
#include "archive/media_lookup.hpp"
#include "archive_builder.hpp"
#include "imported.hpp"
#include "transcode/render_job.hpp"
#include "warning_counter.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <set>

using namespace tafel;
using namespace tafel::archive;
using namespace tafel::archive::test;

namespace {

const std::filesystem::path k_reference = TAFEL_BBB_REFERENCE_DIR;

// Copies events.xml and writes what its events name: the conference audio (a few seconds:
// placement, not length, is what is checked) and a PDF per shared presentation.
void synthesise(const std::filesystem::path& events_xml, const std::filesystem::path& dir) {
    auto parsed = read_bbb_events(events_xml);
    REQUIRE(parsed);
    ArchiveBuilder a(dir, parsed->meeting_id);
    std::filesystem::copy_file(events_xml, dir / "events.xml");
    std::set<std::string> done;
    for (const auto& e : parsed->events) {
        if (e.name == "StartRecordingEvent" && done.insert(e.get("filename")).second) {
            const std::string base = basename_of(e.get("filename"));
            if (base.ends_with(".wav")) a.audio_wav(base, 3);
            else a.audio_opus(base, 3);
        }
        if (e.name == "SharePresentationEvent" && done.insert(e.get("presentationName")).second) {
            a.deck(e.get("presentationName"), 2);
        }
    }
}

} // namespace

TEST_CASE("real BBB events.xml files import, render and publish with no warning", "[integration][reference]") {
    const std::string name = GENERATE(as<std::string>{}, "sample.xml", "new-events-2_5.xml", "new-events-2_6.xml",
                                      "typed-poll-test_maintenance_-events.xml");
    INFO(name);
    const auto file = k_reference / name;
    if (!std::filesystem::exists(file)) {
        FAIL("reference data missing: " << file.string() << " (it lives in ../shared/, not in the project)");
    }
    TempDir tmp;
    synthesise(file, tmp.path() / "archive");
    auto report = import_archive(tmp.path() / "archive", tmp.path() / "raw");
    REQUIRE(report);
    INFO(report->describe_unsupported());
    CHECK(report->unsupported.empty());
    CHECK(report->warnings.empty());
    CHECK(report->audio_files == 1);
    CHECK(report->decks == 1);
    CHECK(report->recorded_us > 0);

    const Imported raw = Imported::load(tmp.path() / "raw");
    CHECK(raw.of_type("slide").size() >= 1);
    CHECK(raw.of_type("bbb_unsupported").empty());
    if (name == "sample.xml") {
        // Two marks: the segment runs from the first to the second; both chat lines are in it.
        CHECK(report->segments == 1);
        CHECK(report->chat_kept == 2);
        CHECK(report->generation == "2.0-2.5");
    }
    if (name == "new-events-2_6.xml") {
        CHECK(report->generation == "2.6+");
        CHECK(raw.of_type("draw_added").size() == 4); // the four poll results, drawn as notes
    }
    if (name == "typed-poll-test_maintenance_-events.xml") {
        CHECK(report->segments == 1); // one mark: recorded to the last event
        CHECK(raw.of_type("poll_results").size() == 3);
        CHECK(raw.of_type("poll_started").size() == 3);
        CHECK(raw.of_type("poll_ended").size() == 3);
    }

    transcode::RenderOptions options;
    options.output.width = 320;
    options.output.height = 180;
    options.output.frame_rate = Rational{1, 1};
    options.output.threads = 1;
    options.output.mp4 = false;
    WarningCounter warnings("transcode");
    auto summary = transcode::render_recording(tmp.path() / "raw", tmp.path() / "out", options, {});
    REQUIRE(summary);
    for (const auto& m : warnings.messages()) UNSCOPED_INFO(m);
    CHECK(warnings.messages().empty());
    CHECK(summary->duration_ms == report->recorded_us / 1000);
    CHECK(summary->audio_tracks == 1);
}
