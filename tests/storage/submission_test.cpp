// Issue 6, progressive publishing: a finished recording is submitted with its render and its
// audio-only preview together (storage/submission.hpp), on both backends; the preview is not
// queued again where it is not needed.
#include "storage/submission.hpp"

#include "queue_fixture.hpp"

#include <catch2/catch.hpp>

#include <climits>

using namespace tafel;
using namespace tafel::storage;
using tafel::storage::test::Backend;
using Fixture = tafel::storage::test::QueueFixture;
using namespace std::chrono_literals;

TEST_CASE("submitting a recording queues its render and its light audio-only preview together", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    Fixture f(backend);
    const auto submitted = submit_recording(*f.catalog, "rec1").value();
    REQUIRE(submitted.preview.has_value());
    const auto render = f.catalog->job(submitted.render).value().value();
    const auto preview = f.catalog->job(*submitted.preview).value().value();
    CHECK(render.kind == "render");
    CHECK(render.priority == k_priority_heavy);
    CHECK(render.state == JobState::queued);
    CHECK(preview.kind == "preview");
    CHECK(preview.priority == k_priority_light);
    CHECK(preview.state == JobState::queued);
    // The light lane takes the preview, nothing else, even though the render came first.
    const auto light = f.catalog->claim_priority("light", 30s, k_priority_light, INT_MAX).value();
    REQUIRE(light.has_value());
    CHECK(light->id == *submitted.preview);
    CHECK(f.catalog->claim_priority("light", 30s, k_priority_light, INT_MAX).value() == std::nullopt);

    // Submitted again while that preview runs (the recorder's recovery, a second stop): a
    // second render, no second preview.
    const auto again = submit_recording(*f.catalog, "rec1").value();
    CHECK_FALSE(again.preview.has_value());
    CHECK(f.catalog->jobs_of("rec1").value().size() == 3);
}

TEST_CASE("a recording whose audio part is published gets no preview when submitted again", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    Fixture f(backend);
    // A published render (both parts), then a re-render: the published folder holds the audio
    // already, a preview would only be a no-op.
    REQUIRE(f.catalog->mark_parts_ready("rec1", k_part_audio | k_part_video).has_value());
    const auto submitted = submit_recording(*f.catalog, "rec1").value();
    CHECK_FALSE(submitted.preview.has_value());
    const auto jobs = f.catalog->jobs_of("rec1").value();
    REQUIRE(jobs.size() == 1);
    CHECK(jobs[0].kind == "render");
}

TEST_CASE("a failed or cancelled preview is queued again on a resubmission, none for a batch", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    Fixture f(backend);
    const auto first = submit_recording(*f.catalog, "rec1").value();
    REQUIRE(first.preview.has_value());
    REQUIRE(f.catalog->cancel(*first.preview).has_value());
    const auto second = submit_recording(*f.catalog, "rec1").value();
    REQUIRE(second.preview.has_value());
    CHECK(*second.preview != *first.preview);

    // The batch reprocess runner (archive/batch.cpp): its priority, no preview.
    const auto batch = submit_recording(*f.catalog, "rec1", {.render_priority = -5, .preview = false}).value();
    CHECK_FALSE(batch.preview.has_value());
    CHECK(f.catalog->job(batch.render).value().value().priority == -5);
    CHECK(f.catalog->jobs_of("rec1").value().size() == 5);
}
