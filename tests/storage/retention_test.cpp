// Retention (issue 9) with a fake clock on both backends: expired recordings disappear
// completely (no file under the data folder, no row), the others stay; raw captures go
// once a lesson is published unless kept; owners shorten, administrators extend; sizes
// are accounted per recording, context and in total.
#include "core/retention_rule.hpp"
#include "storage/catalog.hpp"
#include "storage/disk_usage.hpp"
#include "storage/layout.hpp"
#include "storage/retention.hpp"
#include "test_database.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <memory>

using namespace tafel;
using namespace tafel::storage;
using tafel::storage::test::Backend;
using tafel::storage::test::TestDatabase;
using tafel::test::TempDir;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t k_day = 86'400'000'000;
constexpr std::int64_t k_now = 1'760'000'000'000'000; // 2025-10-09, the fake clock's start

void write_file(const fs::path& path, std::size_t bytes) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out << std::string(bytes, 'x');
    REQUIRE(out.good());
}

// Every regular file under the data folder whose path names the recording.
std::vector<fs::path> files_of(const fs::path& root, const std::string& id) {
    std::vector<fs::path> found;
    for (const auto& e : fs::recursive_directory_iterator(root))
        if (e.is_regular_file() && e.path().string().find(id) != std::string::npos) found.push_back(e.path());
    return found;
}

struct Fixture {
    TestDatabase db;
    TempDir data;
    Layout layout{data.path()};
    std::shared_ptr<std::int64_t> now = std::make_shared<std::int64_t>(k_now);
    std::unique_ptr<Catalog> catalog;

    explicit Fixture(Backend backend) : db(backend) {
        auto opened = Catalog::open(db.url(), [clock = now] { return *clock; });
        REQUIRE(opened.has_value());
        catalog = std::move(*opened);
        REQUIRE(layout.ensure().has_value());
    }

    // A recording with raw and published files, `age` old; `rendered`: its render job succeeded.
    void add(const std::string& id, const std::string& context, std::int64_t age_us, RecordingState state,
             bool rendered = false) {
        RecordingRow r;
        r.id = id;
        r.meeting_id = "m-" + id;
        r.title = "Mathe";
        r.context = context;
        r.state = state;
        r.started_utc_us = *now - age_us;
        REQUIRE(catalog->put_recording(r).has_value());
        write_file(layout.raw_dir(id) / "recording.json", 10);
        write_file(layout.raw_dir(id) / "tracks" / "t1.pcap", 1000);
        if (state == RecordingState::published) write_file(layout.published_dir(id) / "lesson.webm", 500);
        if (rendered) {
            const auto job = catalog->enqueue(id, "render").value();
            REQUIRE(catalog->claim("w", 30s).value().value().id == job);
            REQUIRE(catalog->succeed(job, "w").has_value());
        }
    }

    SweepReport sweep(const RetentionPolicy& policy) {
        auto report = storage::sweep(*catalog, layout, policy, *now);
        INFO((report ? std::string() : report.error().describe()));
        REQUIRE(report.has_value());
        INFO("errors: " << report->errors.size());
        REQUIRE(report->errors.empty());
        return *report;
    }
};

RetentionPolicy policy(const std::string& default_rule, const std::string& contexts = {}, bool keep_raw = true) {
    auto p = RetentionPolicy::parse(default_rule, contexts, keep_raw);
    INFO((p ? std::string() : p.error().describe()));
    REQUIRE(p.has_value());
    return *p;
}

} // namespace

TEST_CASE("retention rules: days, fixed dates and the yearly end of a school year", "[unit]") {
    const std::int64_t start = 1'750'000'000'000'000; // 2025-06-15T15:06:40Z
    CHECK(RetentionRule::parse("30d").value().delete_after(start) == start + 30 * k_day);
    // The end of that UTC day: 2027-08-01T00:00:00Z.
    CHECK(RetentionRule::parse("2027-07-31").value().delete_after(start) == 1'817'078'400'000'000);
    // The next 31 July after a June lesson is the same year's; after an August lesson, the next year's.
    CHECK(RetentionRule::parse("07-31").value().delete_after(start) == 1'754'006'400'000'000);
    const std::int64_t august = 1'755'000'000'000'000; // 2025-08-12
    CHECK(RetentionRule::parse("07-31").value().delete_after(august) == 1'785'542'400'000'000); // 2026-08-01
    for (const char* bad : {"", "0d", "30", "d", "2027-02-30", "13-01", "02-29", "klasse=30d", "-5d"}) {
        INFO(bad);
        CHECK_FALSE(RetentionRule::parse(bad).has_value());
    }
    auto contexts = parse_retention_contexts(" klasse-7b=30d, abitur=2027-07-31 ").value();
    REQUIRE(contexts.size() == 2);
    CHECK(contexts.at("klasse-7b").days == 30);
    auto broken = parse_retention_contexts("klasse-7b=30x");
    REQUIRE_FALSE(broken.has_value());
    CHECK_THAT(broken.error().message, Catch::Contains("klasse-7b"));
}

TEST_CASE("retention sweep: expired recordings disappear completely, the others stay", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    Fixture f(backend);
    f.add("old-1", "klasse-8a", 400 * k_day, RecordingState::published, true);     // past the default 365d
    f.add("short-1", "klasse-7b", 40 * k_day, RecordingState::published, true);    // past its context's 30d
    f.add("young-1", "klasse-8a", 40 * k_day, RecordingState::published, true);    // 40 of 365 days
    f.add("failed-1", "klasse-8a", 10 * k_day, RecordingState::failed);
    f.add("live-1", "klasse-8a", 900 * k_day, RecordingState::recording);         // never touched
    // Work folders of the expired one (a crashed attempt, a replaced version).
    write_file(f.layout.tmp_root() / "old-1-3-0badc0de" / "lesson.mp4", 10);
    const auto rules = policy("365d", "klasse-7b=30d");

    auto report = f.sweep(rules);
    CHECK(report.stamped == 4);
    REQUIRE(report.deleted.size() == 2);
    CHECK(files_of(f.data.path(), "old-1").empty());
    CHECK(files_of(f.data.path(), "short-1").empty());
    CHECK(f.catalog->recording("old-1").value() == std::nullopt);
    CHECK(f.catalog->recording("short-1").value() == std::nullopt);
    CHECK(f.catalog->jobs_of("old-1").value().empty());
    CHECK(report.bytes_freed == 2 * (10 + 1000 + 500));

    for (const char* id : {"young-1", "failed-1", "live-1"}) {
        INFO(id);
        CHECK(f.catalog->recording(id).value().has_value());
        CHECK(fs::exists(f.layout.raw_dir(id) / "tracks" / "t1.pcap"));
    }
    CHECK(fs::exists(f.layout.published_dir("young-1") / "lesson.webm"));
    const auto young = f.catalog->recording("young-1").value().value();
    CHECK(young.delete_after_utc_us == young.started_utc_us + 365 * k_day);
    CHECK(f.catalog->recording("live-1").value().value().delete_after_utc_us == 0);

    AuditFilter deletions;
    deletions.action = "deleted";
    auto audited = f.catalog->audit(deletions).value();
    REQUIRE(audited.size() == 2);
    CHECK(audited[0].actor == "retention");

    // The clock moves on: a day before young-1's date nothing happens, a day after it goes.
    *f.now = young.delete_after_utc_us - k_day;
    CHECK(f.sweep(rules).deleted.empty());
    *f.now = young.delete_after_utc_us + k_day;
    auto later = f.sweep(rules);
    REQUIRE(later.deleted == std::vector<std::string>{"young-1"});
    CHECK(files_of(f.data.path(), "young-1").empty());
    CHECK(f.catalog->recording("live-1").value().has_value()); // still recording: never deleted
    CHECK(fs::exists(f.layout.raw_dir("live-1") / "tracks" / "t1.pcap"));
}

TEST_CASE("retention sweep: raw captures go once the lesson is published, unless kept", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    Fixture f(backend);
    f.add("done-1", "k", k_day, RecordingState::published, true);
    f.add("pending-1", "k", k_day, RecordingState::stopped);
    REQUIRE(f.catalog->enqueue("pending-1", "render").has_value());
    f.add("manual-1", "k", k_day, RecordingState::published); // published without a render job

    auto kept = f.sweep(policy("365d", {}, true));
    CHECK(kept.raw_deleted.empty());
    CHECK(fs::exists(f.layout.raw_dir("done-1")));

    auto report = f.sweep(policy("365d", {}, false));
    REQUIRE(report.raw_deleted == std::vector<std::string>{"done-1"});
    CHECK_FALSE(fs::exists(f.layout.raw_dir("done-1")));
    CHECK(fs::exists(f.layout.published_dir("done-1") / "lesson.webm"));
    CHECK(fs::exists(f.layout.raw_dir("pending-1") / "tracks" / "t1.pcap"));
    CHECK(fs::exists(f.layout.raw_dir("manual-1") / "tracks" / "t1.pcap"));
    AuditFilter raw;
    raw.action = "raw_deleted";
    CHECK(f.catalog->audit(raw).value().size() == 1);

    // The disk accounting follows.
    const auto done = f.catalog->recording("done-1").value().value();
    CHECK(done.raw_bytes == 0);
    CHECK(done.published_bytes == 500);
    const auto usage = disk_usage(*f.catalog).value();
    CHECK(usage.total.recordings == 3);
    CHECK(usage.total.raw_bytes == 2 * 1010);
    CHECK(usage.total.published_bytes == 2 * 500);
    CHECK(usage.per_context.at("k").published_bytes == 1000);
    const auto metrics = disk_usage_metrics(usage);
    CHECK_THAT(metrics, Catch::Contains("tafel_disk_bytes{kind=\"raw\",context=\"k\"} 2020"));
    CHECK_THAT(metrics, Catch::Contains("tafel_recordings 3"));
}

TEST_CASE("retention sweep: raw captures are judged by the last heavy job, never by a light one", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    Fixture f(backend);
    // Rendered, then light jobs that need only part of the raw data and did not run: a
    // cancelled audio-only preview and a cancelled thumbnails job. The render decides.
    f.add("light-after", "k", k_day, RecordingState::published, true);
    for (const char* kind : {"preview", "thumbnails"}) {
        const auto job = f.catalog->enqueue("light-after", kind, default_priority(kind)).value();
        REQUIRE(f.catalog->cancel(job).has_value());
    }
    // A re-render, cancelled, after an earlier render succeeded: the last heavy job did not
    // succeed, so the raw data stays for the next attempt.
    f.add("cancelled-rerender", "k", k_day, RecordingState::published, true);
    const auto rerender = f.catalog->enqueue("cancelled-rerender", "render").value();
    REQUIRE(f.catalog->cancel(rerender).has_value());
    // A light job still queued: the sweep waits for it.
    f.add("light-queued", "k", k_day, RecordingState::published, true);
    REQUIRE(f.catalog->enqueue("light-queued", "preview", k_priority_light).has_value());

    const auto report = f.sweep(policy("365d", {}, false));
    CHECK(report.raw_deleted == std::vector<std::string>{"light-after"});
    CHECK(fs::exists(f.layout.raw_dir("cancelled-rerender") / "tracks" / "t1.pcap"));
    CHECK(fs::exists(f.layout.raw_dir("light-queued") / "tracks" / "t1.pcap"));
}

TEST_CASE("retention: owners may shorten the delete-after date, only administrators extend it", "[integration]") {
    const Backend backend = GENERATE(Backend::sqlite, Backend::postgres);
    INFO("backend: " << backend_name(backend));
    Fixture f(backend);
    f.add("rec-1", "k", k_day, RecordingState::published, true);
    f.sweep(policy("30d"));
    const auto date = f.catalog->recording("rec-1").value().value().delete_after_utc_us;
    REQUIRE(date == k_now - k_day + 30 * k_day);

    auto refused = change_delete_after(*f.catalog, "rec-1", date + k_day, RetentionRole::owner, "cli:lehrer");
    REQUIRE_FALSE(refused.has_value());
    CHECK_THAT(refused.error().message, Catch::Contains("administrator"));
    REQUIRE(change_delete_after(*f.catalog, "rec-1", date - 10 * k_day, RetentionRole::owner, "cli:lehrer"));
    CHECK(f.catalog->recording("rec-1").value().value().delete_after_utc_us == date - 10 * k_day);
    REQUIRE(change_delete_after(*f.catalog, "rec-1", date + 100 * k_day, RetentionRole::admin, "cli:admin"));
    CHECK(f.catalog->recording("rec-1").value().value().delete_after_utc_us == date + 100 * k_day);
    // An owner's date in the past means "at the next sweep", never before now.
    REQUIRE(change_delete_after(*f.catalog, "rec-1", 0 + 1, RetentionRole::owner, "cli:lehrer"));
    CHECK(f.catalog->recording("rec-1").value().value().delete_after_utc_us == k_now);
    CHECK(f.sweep(policy("30d")).deleted == std::vector<std::string>{"rec-1"});

    auto entries = f.catalog->audit({}).value();
    std::vector<std::string> actions;
    for (const auto& e : entries) actions.push_back(e.action);
    CHECK(actions == std::vector<std::string>{"shortened", "extended", "shortened", "deleted"});
    CHECK(change_delete_after(*f.catalog, "gone", k_now, RetentionRole::admin, "x").error().code == Errc::not_found);
}
