#pragma once
// Identifiers. Recording ids are what BigBlueButton uses too: a hex digest of the meeting
// plus the start time in ms ("<40 hex>-<ms>"), so ids sort by time within a meeting and are
// safe in paths and URLs.
#include <string>
#include <string_view>

namespace tafel {

// 128 random bits as 32 lowercase hex characters (from std::random_device).
std::string random_hex_id(std::size_t bytes = 16);

// "<sha1-like hex of meeting>-<start ms>": stable for a meeting and start time.
std::string recording_id(std::string_view meeting_id, std::int64_t start_utc_ms);

// True when `id` consists only of [A-Za-z0-9_-] and is 1..128 characters: the only ids that
// may become file names or URL segments.
bool is_safe_id(std::string_view id) noexcept;

} // namespace tafel
