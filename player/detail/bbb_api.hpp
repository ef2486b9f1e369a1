#pragma once
// BigBlueButton's recordings API (docs.bigbluebutton.org, "API reference": getRecordings,
// publishRecordings, deleteRecordings, updateRecordings), so that portals and front ends
// written for BBB list and manage tafel's recordings unchanged.
// Every call carries a checksum: hex(SHA-x(callName + queryString-without-checksum +
// secret)), SHA-1/256/384/512 told apart by its length.
#include "storage/catalog.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tafel::player::detail {

// Lowercase hex digest of `data` with the SHA variant of that many hex digits (40, 64, 96,
// 128); empty for any other length.
std::string sha_hex_for_length(std::size_t hex_length, std::string_view data);

// True when `query` (as sent) carries a checksum= parameter that matches `call` + the
// query without it + `secret`. Always false with an empty secret (the API is off then).
bool bbb_checksum_ok(std::string_view call, std::string_view query, std::string_view secret);

// The value of parameter `name` in `query`, form-decoded ('+' is a space, %XX), or empty.
std::string query_param(std::string_view query, std::string_view name);

// One recording as BBB lists it: the catalog row and its free-form metadata (meta_*).
struct BbbRecording {
    storage::RecordingRow row;
    std::map<std::string, std::string> meta;
    bool poster = false; // poster.jpg exists: listed as the format's preview image
};

// <response> of getRecordings for `recordings` (all states), filtered by the query's meetingID,
// recordID (comma-separated; each an id or an id prefix), state (comma-separated BBB states,
// default published,unpublished; "any" for all), meta_* and paged by offset and limit.
// `base_url` ("http://host:port") makes the playback URLs absolute.
std::string bbb_get_recordings(const std::vector<BbbRecording>& recordings, std::string_view query,
                               std::string_view base_url);
// The same for rows without metadata.
std::string bbb_get_recordings(const std::vector<storage::RecordingRow>& rows, std::string_view query,
                               std::string_view base_url);

// The recordID parameter as a list (comma-separated, empty items dropped).
std::vector<std::string> bbb_record_ids(std::string_view query);

// The meta_* parameters of `query` as key → value (BBB keeps keys as sent). Keys that are not
// XML names ([A-Za-z_][A-Za-z0-9_.-]*, ≤ 64 characters) are left out: they could not be
// listed in <metadata>. Values are at most 1024 bytes (longer ones are cut).
std::map<std::string, std::string> bbb_meta_params(std::string_view query);

// A SUCCESS <response> with one element, e.g. <published>true</published>.
std::string bbb_success(std::string_view element, bool value);

// A FAILED <response> with BBB's messageKey and message.
std::string bbb_failed(std::string_view message_key, std::string_view message);

} // namespace tafel::player::detail
