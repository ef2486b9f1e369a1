#pragma once
// BigBlueButton's published-recording metadata.xml (what bbb-record-core writes beside each
// published format: record-and-playback/presentation/scripts/publish/presentation.rb), so
// that Scalelite's importer (scalelite/app/models/recording.rb, `recording_imported`) and
// other getRecordings consumers read tafel's outputs as one more playback format.
#include "core/error.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

namespace tafel::archive {

struct PublishedMetadata {
    std::string recording_id;       // <id>: tafel's recording id (BBB: the internal meeting id)
    std::string meeting_id;         // <meeting id>
    std::string external_id;        // <meeting externalId>
    std::string name;               // <meeting name>
    std::int64_t start_time_ms = 0; // epoch ms
    std::int64_t end_time_ms = 0;
    int participants = 0;
    std::map<std::string, std::string> meta; // <meta>: the create call's metadata
    std::string format = "tafel";   // <playback><format>
    std::string link;               // <playback><link>: where the player shows it
    std::int64_t duration_ms = 0;   // <playback><duration>
    std::int64_t processing_time_ms = 0;
    std::int64_t size_bytes = 0;    // <playback><size>: bytes of the published files
    std::int64_t raw_size_bytes = 0;
};

std::string metadata_xml(const PublishedMetadata& m);

// Writes `<dir>/metadata.xml` atomically (temp file + rename): present and whole, or absent.
Result<void> write_metadata_xml(const std::filesystem::path& dir, const PublishedMetadata& m);

} // namespace tafel::archive
