#pragma once
// The raw recording's metadata (recording.json) and events (events.jsonl) as C++ values:
// written by the recorder, read by the transcoder. The format is docs/architecture.md,
// "Contract: the raw recording".
#include "core/consent_policy.hpp"
#include "core/error.hpp"
#include "core/time.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tafel::ingest {

enum class Role { moderator, viewer };
enum class Consent { granted, denied, unknown };
enum class MediaKind { audio, video };

// What of one participant a recording may hold at one instant (issue 9 items 1 and 2,
// docs/privacy.md "Consent policies"):
//   named     — media, name and chat: moderators always; under `consenting` also pupils whose
//               consent is granted.
//   pseudonym — no media, no name; chat text under a stable pseudonym ("Schüler·in N",
//               issue 5 item 6): consent unknown under `consenting` (not asked yet is not "no").
//   absent    — nothing at all, not even chat text: consent denied, or any pupil under
//               `teacher_only` (the policy decides the pupil is not recorded).
enum class Exposure { named, pseudonym, absent };
Exposure exposure(Role role, Consent consent, ConsentPolicy policy);

struct Participant {
    std::string id;
    std::string name;
    Role role = Role::viewer;
    Consent consent = Consent::unknown;

    // Whether their media is written (Exposure::named) under `policy`.
    bool recordable(ConsentPolicy policy) const { return exposure(role, consent, policy) == Exposure::named; }
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
    // Decided when the session was created; "consent_policy" in recording.json (absent in
    // recordings older than issue 9: consenting, the only policy then).
    ConsentPolicy policy = ConsentPolicy::consenting;

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
// "granted", "denied", "unknown"; nullopt for anything else.
std::optional<Consent> consent_from_string(std::string_view s);
std::string to_string(MediaKind k);

Result<RecordingInfo> read_recording_info(const std::filesystem::path& recording_dir);
// Writes recording.json atomically (temp file, fsync, rename).
Result<void> write_recording_info(const std::filesystem::path& recording_dir, const RecordingInfo& info);

// Reads events.jsonl; a torn last line (crash while appending) is dropped, a malformed line
// elsewhere is an error naming its line number.
Result<std::vector<Event>> read_events(const std::filesystem::path& recording_dir);

} // namespace tafel::ingest
