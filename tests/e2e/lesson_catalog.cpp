#include "lesson_catalog.hpp"

#include "ingest/catalog_row.hpp"

#include <catch2/catch.hpp>

namespace tafel::test {

EventAppender::EventAppender(const std::filesystem::path& raw_dir, const ingest::RecordingInfo& info)
    : out_(raw_dir / "events.jsonl", std::ios::app), started_utc_us_(info.started.utc_us) {}

void EventAppender::operator()(std::int64_t lesson_ms, nlohmann::json event) {
    event["t_us"] = started_utc_us_ + lesson_ms * 1000; // docs/architecture.md: events.jsonl
    out_ << event.dump() << '\n';
}

storage::RecordingRow stopped_row(const ingest::RecordingInfo& info) {
    return ingest::catalog_row(info, storage::RecordingState::stopped); // as the recorder writes it
}

storage::Job job_of(storage::Catalog& catalog, std::int64_t id) {
    auto j = catalog.job(id);
    REQUIRE(j.has_value());
    REQUIRE(j->has_value());
    return **j;
}

} // namespace tafel::test
