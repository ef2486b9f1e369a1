#include "storage/catalog.hpp"
#include "queued_jobs.hpp"
#include "test_database.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <thread>

using namespace tafel;
using namespace tafel::storage;
using tafel::storage::test::Backend;
using tafel::storage::test::queue_rec1_jobs;
using tafel::storage::test::TestDatabase;
using namespace std::chrono_literals;

TEST_CASE("four workers with their own connections claim every job exactly once", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    TestDatabase db(backend);
    constexpr int k_jobs = 200;
    constexpr int k_workers = 4;
    const std::set<std::int64_t> enqueued = queue_rec1_jobs(db.url(), "render", k_jobs);

    struct Outcome {
        std::vector<std::int64_t> claimed;
        std::string error;
    };
    std::vector<Outcome> outcomes(k_workers);
    std::vector<std::thread> threads;
    for (int w = 0; w < k_workers; ++w) {
        threads.emplace_back([&, w] {
            Outcome& out = outcomes[static_cast<std::size_t>(w)];
            // Each worker opens the file itself, at the same time as the others.
            auto catalog = Catalog::open(db.url());
            if (!catalog) {
                out.error = catalog.error().describe();
                return;
            }
            const std::string name = "worker-" + std::to_string(w);
            for (;;) {
                auto claimed = (*catalog)->claim(name, 60s);
                if (!claimed) {
                    out.error = claimed.error().describe();
                    return;
                }
                if (!*claimed) return; // queue drained
                out.claimed.push_back((*claimed)->id);
                if (auto ok = (*catalog)->succeed((*claimed)->id, name); !ok) {
                    out.error = ok.error().describe();
                    return;
                }
            }
        });
    }
    for (auto& t : threads) t.join();

    std::vector<std::int64_t> all;
    for (const auto& out : outcomes) {
        CHECK(out.error.empty());
        all.insert(all.end(), out.claimed.begin(), out.claimed.end());
    }
    std::sort(all.begin(), all.end());
    CHECK(std::adjacent_find(all.begin(), all.end()) == all.end()); // nobody claimed twice
    CHECK(std::set<std::int64_t>(all.begin(), all.end()) == enqueued);

    auto catalog = Catalog::open(db.url());
    REQUIRE(catalog.has_value());
    auto jobs = (*catalog)->jobs_of("rec1").value();
    REQUIRE(jobs.size() == k_jobs);
    CHECK(std::all_of(jobs.begin(), jobs.end(), [](const Job& j) {
        return j.state == JobState::succeeded && j.attempts == 1;
    }));
}

TEST_CASE("one catalog shared by threads stays consistent", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    TestDatabase db(backend);
    auto catalog = Catalog::open(db.url());
    REQUIRE(catalog.has_value());
    RecordingRow r;
    r.id = "rec1";
    r.meeting_id = "m";
    REQUIRE((*catalog)->put_recording(r).has_value());
    for (int i = 0; i < 40; ++i) REQUIRE((*catalog)->enqueue("rec1", "render").has_value());

    std::vector<std::vector<std::int64_t>> claimed(2);
    std::vector<std::thread> threads;
    for (std::size_t w = 0; w < claimed.size(); ++w) {
        threads.emplace_back([&, w] {
            const std::string name = "shared-" + std::to_string(w);
            while (auto job = (*catalog)->claim(name, 60s)) {
                if (!*job) return;
                claimed[w].push_back((*job)->id);
                if (!(*catalog)->succeed((*job)->id, name)) return;
            }
        });
    }
    for (auto& t : threads) t.join();
    CHECK(claimed[0].size() + claimed[1].size() == 40);
    std::set<std::int64_t> unique(claimed[0].begin(), claimed[0].end());
    unique.insert(claimed[1].begin(), claimed[1].end());
    CHECK(unique.size() == 40);
}

TEST_CASE("processes opening a fresh database at once migrate it exactly once", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    TestDatabase db(backend);
    constexpr int k_openers = 4;
    std::vector<std::string> errors(k_openers);
    std::vector<std::thread> threads;
    for (int i = 0; i < k_openers; ++i) {
        threads.emplace_back([&, i] {
            auto catalog = Catalog::open(db.url());
            if (!catalog) {
                errors[static_cast<std::size_t>(i)] = catalog.error().describe();
                return;
            }
            // Each one can write straight away.
            RecordingRow r;
            r.id = "rec" + std::to_string(i);
            r.meeting_id = "m";
            if (auto ok = (*catalog)->put_recording(r); !ok) errors[static_cast<std::size_t>(i)] = ok.error().describe();
        });
    }
    for (auto& t : threads) t.join();
    for (const auto& e : errors) CHECK(e.empty());

    auto catalog = Catalog::open(db.url());
    REQUIRE(catalog.has_value());
    CHECK((*catalog)->list_recordings().value().size() == k_openers);
}
