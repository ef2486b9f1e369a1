#pragma once
// Imports one BigBlueButton raw archive folder (events.xml, audio/, video/<meeting>/,
// deskshare/, presentation/<pres>/, notes/) into a tafel raw recording
// (docs/architecture.md, "Contract: the raw recording"; the mapping is docs/archive.md):
// recording.json with the media FILES as tracks (`"container"` set: read through
// libavformat, not a pcap), events.jsonl in tafel's event types, slides/<deck>.pdf.
//
// Only what BBB would publish is kept: the recorded segments (RecordStatusEvent marks)
// become the lesson, the gaps between them recording_paused … recording_resumed, chat
// outside every segment is dropped; state (slide, drawings, webcams) from before the first
// segment is carried to its start. Unknown events and shapes are kept in events.jsonl as
// `bbb_unsupported` and counted by name in the report; nothing unknown fails an import.
// Live captions and shared notes become files of `sidecars/` (published beside the lesson):
// captions_<locale>.vtt with captions.json naming them, and notes.txt.
#include "core/error.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace tafel::archive {

struct ImportOptions {
    // Hard-link media into the raw recording (copy when linking fails, e.g. across devices).
    bool link_media = true;
};

struct ImportReport {
    std::string recording_id;
    std::string meeting_id;
    std::string title;
    std::string generation;          // "0.8", "2.0-2.5", "2.6+", "3.x"
    bool epoch_timestamps = false;   // 0.8-era epoch-ms timestamps
    std::int64_t started_utc_us = 0;
    std::int64_t duration_us = 0;    // first segment start … last segment end
    std::int64_t recorded_us = 0;    // sum of the segments (the output's length)
    int segments = 0;
    int events_written = 0;
    int chat_kept = 0;
    int chat_dropped = 0;            // sent outside every segment
    int webcams = 0;
    int screenshares = 0;
    int audio_files = 0;
    int decks = 0;
    std::map<std::string, int> ignored;     // documented as carrying nothing to render (docs/archive.md)
    std::map<std::string, int> unsupported; // unknown events/shapes: kept, skipped, reported
    std::vector<std::string> warnings;      // anything else a user should see
    std::string external_id;                // <meeting externalId>
    std::map<std::string, std::string> metadata; // <metadata …> (meta_* of the create call)
    int participants = 0;                   // who joined
    std::vector<std::string> captions;      // locale codes with a captions_<code>.vtt
    bool notes = false;                     // shared notes published as notes.txt

    // One line per unsupported name with its count ("" when there are none).
    std::string describe_unsupported() const;
};

// What an archive will be imported as, without importing it: its recording id (from the
// meeting id and the first recorded instant) and times. Errors as import_archive's.
struct ArchiveIdentity {
    std::string recording_id;
    std::string meeting_id;
    std::string title;
    std::int64_t started_utc_us = 0;
    std::int64_t recorded_us = 0;
};
Result<ArchiveIdentity> identify_archive(const std::filesystem::path& archive_dir);

// Imports `archive_dir` into `raw_dir` (created; must not exist or be empty). The raw
// recording is written into `<raw_dir>.importing` and renamed, so a failed import leaves
// nothing behind. Errors name the archive's file and the event that was wrong.
Result<ImportReport> import_archive(const std::filesystem::path& archive_dir, const std::filesystem::path& raw_dir,
                                    const ImportOptions& options = {});

} // namespace tafel::archive
