#pragma once
// The raw recording's metadata (recording.json) and events (events.jsonl) as C++ values:
// written by the recorder, read by the transcoder. The format is docs/architecture.md,
// "Contract: the raw recording".
#include "core/error.hpp"
#include "core/time.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tafel::ingest {

enum class Role { moderator, viewer };
enum class Consent { granted, denied, unknown };
enum class MediaKind { audio, video };

struct Participant {
    std::string id;
    std::string name;
    Role role = Role::viewer;
    Consent consent = Consent::unknown;

    // Default policy (docs/privacy): moderators and consenting participants are recorded.
    bool recordable() const { return role == Role::moderator || consent == Consent::granted; }
};

struct TrackInfo {
    std::string id;            // "t1"
    MediaKind kind = MediaKind::video;
    std::string codec;         // "VP8", "opus"
    int payload_type = 96;
    int clock_rate = 90000;
    int channels = 0;          // audio only
    std::string participant;
    std::uint16_t port = 0;
    std::string file;          // relative to the recording folder: "tracks/t1.pcap"
    std::string fmtp;          // RFC 8866 6.15 format parameters as the sender declared them
    std::optional<std::uint32_t> ssrc;   // the sender's SSRC, when declared
};

struct Deck {
    std::string id;            // "d1"
    std::string name;          // as uploaded: "Brüche.pdf"
    std::string file;          // "slides/d1.pdf"
    int pages = 0;
};

struct Meeting {
    std::string id;
    std::string name;
    std::string context;
};

struct RecordingInfo {
    std::string id;
    Meeting meeting;
    WallTime started;
    std::optional<WallTime> stopped;
    ClockAnchor anchor;
    std::vector<Participant> participants;
    std::vector<TrackInfo> tracks;
    std::vector<Deck> decks;

    const Participant* participant(const std::string& id) const;
};

// One line of events.jsonl. `json` is the whole object as written (unknown types and fields
// are kept verbatim); `type` and `time` are lifted out for the timeline.
struct Event {
    WallTime time;
    std::string type;
    std::string json;
};

std::string to_string(Role r);
std::string to_string(Consent c);
std::string to_string(MediaKind k);

Result<RecordingInfo> read_recording_info(const std::filesystem::path& recording_dir);
// Writes recording.json atomically (temp file, fsync, rename).
Result<void> write_recording_info(const std::filesystem::path& recording_dir, const RecordingInfo& info);

// Reads events.jsonl; a torn last line (crash while appending) is dropped, a malformed line
// elsewhere is an error naming its line number.
Result<std::vector<Event>> read_events(const std::filesystem::path& recording_dir);

} // namespace tafel::ingest
