#pragma once
// /api/v1/recordings and /api/v1/recordings/<id>: the published recordings as JSON.
// URLs are relative to the server ("/r/<id>") so they stay right behind a reverse proxy.
#include "storage/catalog.hpp"

#include <string>
#include <vector>

namespace tafel::player::detail {

// {"id","title","context","state","started_utc_us","duration_ms","urls":{"page","mp4","webm","chat","manifest"}};
// for an owner also "delete_after_utc_us" (0: not set yet) and urls.download.
std::string recording_json(const storage::RecordingRow& recording, bool owner = false);

// {"recordings": [ … ]}
std::string recordings_json(const std::vector<storage::RecordingRow>& recordings);

// {"error": "<message>"}
std::string error_json(const std::string& message);

} // namespace tafel::player::detail
