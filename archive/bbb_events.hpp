#pragma once
// A BigBlueButton events.xml as plain values. The file is the archive's timeline: one
// <event timestamp module eventname> element per event, each field a child element
// (bbb-common-message's recorders; bigbluebutton/bbb-events documents the shapes).
#include "core/error.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace tafel::archive {

struct BbbEvent {
    std::int64_t timestamp_ms = 0; // as written: monotonic ms (2.x+) or epoch ms (0.8)
    std::string module;            // "PARTICIPANT", "WHITEBOARD", …
    std::string name;              // "ParticipantJoinEvent", …
    std::map<std::string, std::string> fields; // child element name → text (CDATA trimmed)
    int index = 0;                 // position in the file, for messages and stable sorting

    // The field or `fallback` when absent.
    const std::string& get(const std::string& key, const std::string& fallback = k_empty) const;
    bool has(const std::string& key) const { return fields.contains(key); }

    static const std::string k_empty;
};

struct BbbArchiveEvents {
    std::string meeting_id;       // <recording meeting_id>
    std::string meeting_name;     // <meeting name> or <metadata meetingName>
    std::string external_id;      // <meeting externalId>
    std::string bbb_version;      // <recording bbb_version>, "" in 0.8-era files
    std::map<std::string, std::string> metadata; // <metadata …> attributes (bbb-context, …)
    std::vector<BbbEvent> events; // sorted by timestamp, file order among equals
};

// Parses `file`; errors name the file and the byte offset or event that was wrong (a
// truncated file is reported as such, never half-imported).
Result<BbbArchiveEvents> read_bbb_events(const std::filesystem::path& file);
Result<BbbArchiveEvents> parse_bbb_events(std::string_view xml, const std::string& where);

} // namespace tafel::archive
