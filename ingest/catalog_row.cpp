#include "ingest/catalog_row.hpp"

namespace tafel::ingest {

storage::RecordingRow catalog_row(const RecordingInfo& info, storage::RecordingState state) {
    storage::RecordingRow row;
    row.id = info.id;
    row.meeting_id = info.meeting.id;
    row.title = info.meeting.name;
    row.context = info.meeting.context;
    row.state = state;
    row.started_utc_us = info.started.utc_us;
    return row;
}

} // namespace tafel::ingest
