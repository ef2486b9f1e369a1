#pragma once
// The starting point of the tests that race workers over one queue (concurrency_test.cpp,
// stress_test.cpp): recording "rec1", stopped, with jobs queued on it, in the database at `url`.
#include "storage/catalog.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <set>
#include <string>

namespace tafel::storage::test {

// Puts "rec1" and queues `count` jobs of `kind` on it with priorities 0, 1, 2, 0, … (so that
// a claim's ordering by priority is part of the race); their ids.
inline std::set<std::int64_t> queue_rec1_jobs(const std::string& url, const std::string& kind, int count) {
    auto catalog = Catalog::open(url);
    REQUIRE(catalog.has_value());
    RecordingRow r;
    r.id = "rec1";
    r.meeting_id = "m";
    r.state = RecordingState::stopped;
    REQUIRE((*catalog)->put_recording(r).has_value());
    std::set<std::int64_t> ids;
    for (int i = 0; i < count; ++i) ids.insert((*catalog)->enqueue("rec1", kind, i % 3).value());
    REQUIRE(ids.size() == static_cast<std::size_t>(count));
    return ids;
}

} // namespace tafel::storage::test
