#pragma once
// A raw recording's row in the catalog, from its recording.json: what the recorder writes
// when a session starts, its recovery when a crashed one is finished, and `tafel jobs submit`
// when a raw folder made elsewhere is queued.
#include "ingest/raw_recording.hpp"
#include "storage/catalog.hpp"

namespace tafel::ingest {

storage::RecordingRow catalog_row(const RecordingInfo& info, storage::RecordingState state);

} // namespace tafel::ingest
