// The queue's lifecycle beyond claim/succeed/fail, on both backends: cancel, retry, purge,
// priority lanes, progress + ETA, and wake-ups for idle workers.
#include "storage/catalog.hpp"
#include "queue_fixture.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <climits>
#include <memory>
#include <thread>

using namespace tafel;
using namespace tafel::storage;
using tafel::storage::test::Backend;
using Fixture = tafel::storage::test::QueueFixture;
using tafel::storage::test::k_s;
using tafel::storage::test::k_t0;
using tafel::storage::test::TestDatabase;
using namespace std::chrono_literals;

TEST_CASE("cancel: a queued job is never claimed, a running one loses its lease", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    Fixture f(backend);
    const auto queued = f.catalog->enqueue("rec1", "render").value();
    const auto running = f.catalog->enqueue("rec1", "render").value();
    f.advance(1);
    REQUIRE(f.catalog->cancel(queued).has_value());
    auto claimed = f.catalog->claim("w1", 30s).value();
    REQUIRE(claimed.has_value());
    CHECK(claimed->id == running);

    REQUIRE(f.catalog->cancel(running).has_value());
    // The worker learns it at its next heartbeat and stops; it cannot report success.
    CHECK(f.catalog->heartbeat(running, "w1", 30s, 500).error().code == Errc::cancelled);
    CHECK(f.catalog->succeed(running, "w1").error().code == Errc::cancelled);
    CHECK(f.catalog->job(running).value()->state == JobState::cancelled);
    f.advance(3600 * k_s);
    CHECK(f.catalog->claim("w2", 30s).value() == std::nullopt);

    auto again = f.catalog->cancel(running);
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error().code == Errc::invalid_argument);
    CHECK_THAT(again.error().message, Catch::Contains("cancelled"));
    CHECK(f.catalog->cancel(999999).error().code == Errc::not_found);
}

TEST_CASE("retry queues a failed job again with a fresh attempt budget", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    Fixture f(backend);
    const auto id = f.catalog->enqueue("rec1", "render").value();
    for (int attempt = 1; attempt <= 3; ++attempt) {
        REQUIRE(f.catalog->claim("w1", 30s).value().has_value());
        REQUIRE(f.catalog->fail(id, "w1", "broken pcap").has_value());
        f.advance(3600 * k_s);
    }
    CHECK(f.catalog->job(id).value()->state == JobState::failed); // dead after 3 attempts
    CHECK(f.catalog->claim("w1", 30s).value() == std::nullopt);

    CHECK(f.catalog->retry(id).has_value());
    auto retried = f.catalog->job(id).value();
    CHECK(retried->state == JobState::queued);
    CHECK(retried->attempts == 0);
    CHECK(retried->error.empty());
    auto claimed = f.catalog->claim("w2", 30s).value();
    REQUIRE(claimed.has_value());
    CHECK(claimed->attempts == 1);

    auto running = f.catalog->retry(id);
    REQUIRE_FALSE(running.has_value());
    CHECK(running.error().code == Errc::invalid_argument);
    CHECK(f.catalog->retry(999999).error().code == Errc::not_found);
}

TEST_CASE("purge deletes finished jobs older than the cut-off only", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    Fixture f(backend);
    const auto old_done = f.catalog->enqueue("rec1", "render").value();
    REQUIRE(f.catalog->claim("w1", 30s).value()->id == old_done);
    REQUIRE(f.catalog->succeed(old_done, "w1").has_value());
    const auto old_queued = f.catalog->enqueue("rec1", "render").value();
    f.advance(100 * k_s);
    const auto new_cancelled = f.catalog->enqueue("rec1", "render").value();
    REQUIRE(f.catalog->cancel(new_cancelled).has_value());

    CHECK(f.catalog->purge(k_t0 + 50 * k_s).value() == 1);
    CHECK(f.catalog->job(old_done).value() == std::nullopt);
    CHECK(f.catalog->job(old_queued).value().has_value()); // not finished: kept
    CHECK(f.catalog->job(new_cancelled).value().has_value()); // too new: kept
}

TEST_CASE("the light lane claims only light jobs, which run before heavy ones", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    Fixture f(backend);
    CHECK(default_priority("render") == k_priority_heavy);
    CHECK(default_priority("thumbnails") == k_priority_light);
    const auto heavy = f.catalog->enqueue("rec1", "render", default_priority("render")).value();
    f.advance(1);
    CHECK(f.catalog->claim_priority("light-lane", 30s, k_priority_light, INT_MAX).value() == std::nullopt);
    const auto light = f.catalog->enqueue("rec1", "chapters", default_priority("chapters")).value();
    // Submitted later, claimed first by anyone; the lane takes it and never the encode.
    auto lane = f.catalog->claim_priority("light-lane", 30s, k_priority_light, INT_MAX).value();
    REQUIRE(lane.has_value());
    CHECK(lane->id == light);
    CHECK(f.catalog->claim_priority("light-lane", 30s, k_priority_light, INT_MAX).value() == std::nullopt);
    CHECK(f.catalog->claim("w1", 30s).value()->id == heavy);
}

TEST_CASE("a claim bounded to the heavy class takes the older heavy job, not the newer light one", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    Fixture f(backend);
    const auto heavy = f.catalog->enqueue("rec1", "render", default_priority("render")).value();
    f.advance(1);
    const auto light = f.catalog->enqueue("rec1", "preview", default_priority("preview")).value();
    f.advance(1);
    // What a heavy thread beside a light lane asks first (JobRunner): the render.
    auto first = f.catalog->claim_priority("w-0", 30s, INT_MIN, k_priority_heavy).value();
    REQUIRE(first.has_value());
    CHECK(first->id == heavy);
    CHECK(f.catalog->claim_priority("w-0", 30s, INT_MIN, k_priority_heavy).value() == std::nullopt);
    // The light job is still there for the lane, and for an unbounded claim.
    CHECK(f.catalog->claim("w-1", 30s).value()->id == light);
}

TEST_CASE("progress and ETA of a running job", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    Fixture f(backend);
    const auto id = f.catalog->enqueue("rec1", "render").value();
    f.advance(5 * k_s); // queueing time does not count
    auto claimed = f.catalog->claim("w1", 30s).value();
    REQUIRE(claimed.has_value());
    CHECK(claimed->started_utc_us == k_t0 + 5 * k_s);
    CHECK(eta_us(*claimed, *f.now) == std::nullopt); // no progress yet: no estimate
    f.advance(10 * k_s);
    REQUIRE(f.catalog->heartbeat(id, "w1", 30s, 250).has_value());
    auto job = f.catalog->job(id).value();
    CHECK(job->progress_permille == 250);
    // A quarter took 10 s: three quarters take 30 s more.
    CHECK(eta_us(*job, *f.now) == 30 * k_s);
    REQUIRE(f.catalog->succeed(id, "w1").has_value());
    CHECK(eta_us(*f.catalog->job(id).value(), *f.now) == std::nullopt);
}

TEST_CASE("an idle worker waiting for work wakes when another process enqueues", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    TestDatabase db(backend);
    auto producer = Catalog::open(db.url()).value();
    auto consumer = Catalog::open(db.url()).value();
    RecordingRow r;
    r.id = "rec1";
    r.meeting_id = "m";
    REQUIRE(producer->put_recording(r).has_value());

    // Nothing to do: the wait ends by its timeout, reporting no work.
    auto idle = consumer->wait_for_work(200ms);
    REQUIRE(idle.has_value());
    CHECK_FALSE(*idle);

    std::atomic<bool> enqueued{false};
    std::thread enqueue([&] {
        // The consumer is (very likely) already blocked in wait_for_work by now; either way
        // the wait must end with the job well before its 20 s timeout.
        enqueued = producer->enqueue("rec1", "render").has_value();
    });
    const auto started = std::chrono::steady_clock::now();
    bool woke = false;
    while (!woke && std::chrono::steady_clock::now() - started < 20s) {
        auto w = consumer->wait_for_work(20s);
        REQUIRE(w.has_value());
        woke = *w;
    }
    const auto waited = std::chrono::steady_clock::now() - started;
    enqueue.join();
    CHECK(enqueued);
    CHECK(woke);
    CHECK(waited < 2s); // a NOTIFY (PostgreSQL) or the next 50 ms poll (SQLite), not the timeout
    CHECK(consumer->claim("w1", 30s).value().has_value());
}

TEST_CASE("without an injected clock PostgreSQL judges time by the server's clock", "[integration]") {
    TestDatabase db(Backend::postgres);
    auto catalog = Catalog::open(db.url()).value();
    const auto server_now = catalog->now_utc_us().value();
    const auto local_now =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    // Same machine here, so the clocks agree; what matters is that the value comes back as
    // UTC µs from the database and leases use it (see the lease tests with an injected one).
    CHECK(std::llabs(server_now - local_now) < 5 * k_s);
    RecordingRow r;
    r.id = "rec1";
    r.meeting_id = "m";
    REQUIRE(catalog->put_recording(r).has_value());
    REQUIRE(catalog->enqueue("rec1", "render").has_value());
    auto claimed = catalog->claim("w1", 30s).value();
    REQUIRE(claimed.has_value());
    CHECK(std::llabs(claimed->lease_until_utc_us - (server_now + 30 * k_s)) < 5 * k_s);
}
