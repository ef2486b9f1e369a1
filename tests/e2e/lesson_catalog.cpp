#include "lesson_catalog.hpp"

namespace tafel::test {

EventAppender::EventAppender(const std::filesystem::path& raw_dir, const ingest::RecordingInfo& info)
    : out_(raw_dir / "events.jsonl", std::ios::app), started_utc_us_(info.started.utc_us) {}

void EventAppender::operator()(std::int64_t lesson_ms, nlohmann::json event) {
    event["t_us"] = started_utc_us_ + lesson_ms * 1000; // docs/architecture.md: events.jsonl
    out_ << event.dump() << '\n';
}

storage::RecordingRow stopped_row(const ingest::RecordingInfo& info) {
    storage::RecordingRow row;
    row.id = info.id;
    row.meeting_id = info.meeting.id;
    row.title = info.meeting.name;
    row.context = info.meeting.context;
    row.state = storage::RecordingState::stopped;
    row.started_utc_us = info.started.utc_us;
    return row;
}

} // namespace tafel::test
