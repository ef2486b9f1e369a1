#include "storage/catalog.hpp"
#include "queue_fixture.hpp"

#include <catch2/catch.hpp>

#include <memory>

using namespace tafel;
using namespace tafel::storage;
using tafel::storage::test::Backend;
using Fixture = tafel::storage::test::QueueFixture;
using tafel::storage::test::k_s;
using tafel::storage::test::k_t0;
using namespace std::chrono_literals;

TEST_CASE("claim on an empty queue returns nothing", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    Fixture f(backend);
    auto claimed = f.catalog->claim("w1", 30s);
    REQUIRE(claimed.has_value());
    CHECK(*claimed == std::nullopt);
}

TEST_CASE("enqueue, claim, heartbeat, succeed", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    Fixture f(backend);
    const auto id = f.catalog->enqueue("rec1", "render").value();
    auto queued = f.catalog->job(id).value();
    REQUIRE(queued.has_value());
    CHECK(queued->state == JobState::queued);
    CHECK(queued->recording_id == "rec1");
    CHECK(queued->kind == "render");

    auto claimed = f.catalog->claim("w1", 30s).value();
    REQUIRE(claimed.has_value());
    CHECK(claimed->id == id);
    CHECK(claimed->state == JobState::running);
    CHECK(claimed->worker == "w1");
    CHECK(claimed->attempts == 1);
    CHECK(claimed->lease_until_utc_us == k_t0 + 30 * k_s);
    // A running job under a valid lease is nobody else's.
    CHECK(f.catalog->claim("w2", 30s).value() == std::nullopt);

    f.advance(20 * k_s);
    REQUIRE(f.catalog->heartbeat(id, "w1", 30s, 420).has_value());
    auto beat = f.catalog->job(id).value();
    CHECK(beat->lease_until_utc_us == k_t0 + 50 * k_s);
    CHECK(beat->progress_permille == 420);
    // The extended lease protects the job past its first deadline.
    f.advance(20 * k_s);
    CHECK(f.catalog->claim("w2", 30s).value() == std::nullopt);

    auto wrong = f.catalog->heartbeat(id, "w2", 30s, 500);
    REQUIRE_FALSE(wrong.has_value());
    CHECK(wrong.error().code == Errc::cancelled);

    REQUIRE(f.catalog->succeed(id, "w1").has_value());
    auto done = f.catalog->job(id).value();
    CHECK(done->state == JobState::succeeded);
    CHECK(done->progress_permille == 1000);
    // Once done, the worker's heartbeat tells it to stop; nothing is runnable any more.
    CHECK(f.catalog->heartbeat(id, "w1", 30s, 1000).error().code == Errc::cancelled);
    CHECK(f.catalog->claim("w2", 30s).value() == std::nullopt);
    CHECK(f.catalog->jobs_of("rec1").value().size() == 1);
}

TEST_CASE("an expired lease lets another worker claim, the old worker is cancelled", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    Fixture f(backend);
    const auto id = f.catalog->enqueue("rec1", "render").value();
    REQUIRE(f.catalog->claim("w1", 10s).value().has_value());

    f.advance(10 * k_s); // lease_until == now: not yet expired
    CHECK(f.catalog->claim("w2", 10s).value() == std::nullopt);
    f.advance(1);
    auto stolen = f.catalog->claim("w2", 10s).value();
    REQUIRE(stolen.has_value());
    CHECK(stolen->id == id);
    CHECK(stolen->worker == "w2");
    CHECK(stolen->attempts == 2);

    auto beat = f.catalog->heartbeat(id, "w1", 10s, 10);
    REQUIRE_FALSE(beat.has_value());
    CHECK(beat.error().code == Errc::cancelled);
    CHECK_THAT(beat.error().message, Catch::Contains("w2"));
    CHECK(f.catalog->succeed(id, "w1").error().code == Errc::cancelled);
    CHECK(f.catalog->fail(id, "w1", "late").error().code == Errc::cancelled);
    REQUIRE(f.catalog->succeed(id, "w2").has_value());
}

TEST_CASE("a job whose lease expires on its last attempt fails instead of looping", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    Fixture f(backend);
    const auto id = f.catalog->enqueue("rec1", "render").value();
    for (int attempt = 1; attempt <= 3; ++attempt) {
        auto claimed = f.catalog->claim("crashy", 5s).value();
        REQUIRE(claimed.has_value());
        CHECK(claimed->attempts == attempt);
        f.advance(6 * k_s);
    }
    CHECK(f.catalog->claim("w2", 5s).value() == std::nullopt);
    auto failed = f.catalog->job(id).value();
    CHECK(failed->state == JobState::failed);
    CHECK_THAT(failed->error, Catch::Contains("lease"));
}

TEST_CASE("fail retries with exponential backoff, then fails for good", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    Fixture f(backend);
    const auto id = f.catalog->enqueue("rec1", "render").value();

    REQUIRE(f.catalog->claim("w1", 30s).value().has_value());
    auto failed_once = f.catalog->fail(id, "w1", "decoder error");
    INFO((failed_once ? std::string() : failed_once.error().describe()));
    REQUIRE(failed_once.has_value());
    auto retry = f.catalog->job(id).value();
    CHECK(retry->state == JobState::queued);
    CHECK(retry->error == "decoder error");
    CHECK(retry->run_after_utc_us == k_t0 + 2 * k_s); // 2^1 s after the first attempt

    f.advance(2 * k_s - 1);
    CHECK(f.catalog->claim("w1", 30s).value() == std::nullopt);
    f.advance(1);
    REQUIRE(f.catalog->claim("w1", 30s).value().has_value());
    REQUIRE(f.catalog->fail(id, "w1", "decoder error again").has_value());
    CHECK(f.catalog->job(id).value()->run_after_utc_us == *f.now + 4 * k_s); // 2^2 s

    f.advance(4 * k_s);
    auto third = f.catalog->claim("w1", 30s).value();
    REQUIRE(third.has_value());
    CHECK(third->attempts == 3);
    REQUIRE(f.catalog->fail(id, "w1", "gave up").has_value());
    auto failed = f.catalog->job(id).value();
    CHECK(failed->state == JobState::failed);
    CHECK(failed->error == "gave up");
    f.advance(3600 * k_s);
    CHECK(f.catalog->claim("w1", 30s).value() == std::nullopt);
}

TEST_CASE("higher priority runs first, then the oldest", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    Fixture f(backend);
    const auto low = f.catalog->enqueue("rec1", "render", 0).value();
    f.advance(1);
    const auto high_old = f.catalog->enqueue("rec1", "render", 5).value();
    f.advance(1);
    const auto high_new = f.catalog->enqueue("rec1", "render", 5).value();
    f.advance(1);
    const auto urgent = f.catalog->enqueue("rec1", "render", 9).value();

    std::vector<std::int64_t> order;
    while (auto claimed = f.catalog->claim("w1", 30s).value()) order.push_back(claimed->id);
    CHECK(order == std::vector<std::int64_t>{urgent, high_old, high_new, low});
}

TEST_CASE("enqueue for an unknown recording names it", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    Fixture f(backend);
    auto job = f.catalog->enqueue("ghost", "render");
    REQUIRE_FALSE(job.has_value());
    CHECK(job.error().code == Errc::not_found);
    CHECK_THAT(job.error().message, Catch::Contains("ghost"));
}

TEST_CASE("heartbeat of a job that does not exist is not_found", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    Fixture f(backend);
    auto beat = f.catalog->heartbeat(12345, "w1", 30s, 0);
    REQUIRE_FALSE(beat.has_value());
    CHECK(beat.error().code == Errc::not_found);
}

TEST_CASE("jobs(limit) lists the newest jobs first", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    Fixture f(backend);
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 5; ++i) {
        ids.push_back(f.catalog->enqueue("rec1", "render").value());
        f.advance(k_s);
    }
    auto listed = f.catalog->jobs(3).value();
    REQUIRE(listed.size() == 3);
    CHECK(listed[0].id == ids[4]);
    CHECK(listed[1].id == ids[3]);
    CHECK(listed[2].id == ids[2]);
    CHECK(f.catalog->jobs(100).value().size() == 5);
}
