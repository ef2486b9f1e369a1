#pragma once
// The queue tests' starting point, on either backend: a fresh database with one stopped
// recording "rec1", opened with a clock the test moves by hand (leases, backoff, purge ages).
#include "storage/catalog.hpp"
#include "test_database.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>

namespace tafel::storage::test {

inline constexpr std::int64_t k_t0 = 1'700'000'000'000'000; // UTC µs
inline constexpr std::int64_t k_s = 1'000'000;

// Every test runs once per backend (GENERATE), on a fresh database.
struct QueueFixture {
    TestDatabase db;
    std::shared_ptr<std::int64_t> now = std::make_shared<std::int64_t>(k_t0);
    std::unique_ptr<Catalog> catalog;

    explicit QueueFixture(Backend backend) : db(backend) {
        auto opened = Catalog::open(db.url(), [clock = now] { return *clock; });
        REQUIRE(opened.has_value());
        catalog = std::move(*opened);
        RecordingRow r;
        r.id = "rec1";
        r.meeting_id = "m";
        r.title = "Mathe";
        r.context = "klasse-7b";
        r.state = RecordingState::stopped;
        r.started_utc_us = k_t0;
        REQUIRE(catalog->put_recording(r).has_value());
    }
    void advance(std::int64_t us) { *now += us; }
};

} // namespace tafel::storage::test
