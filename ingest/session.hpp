#pragma once
// One lesson being recorded: its raw-recording folder (recording.json, events.jsonl, tracks/,
// slides/), its catalog row, and one UdpReceiver per stream. Runs on the recorder's
// io_context thread only, so it has no locks.
#include "core/error.hpp"
#include "core/time.hpp"
#include "ingest/event_log.hpp"
#include "ingest/raw_recording.hpp"
#include "ingest/udp_receiver.hpp"

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tafel::storage {
class Catalog;
class Layout;
} // namespace tafel::storage

namespace tafel::ingest {

class MediaThread;
class PortPool;

struct SessionSetup {
    Meeting meeting;
    std::vector<Participant> participants;
    // The control API's "consent_policy"; nullopt: the recorder's per-context default.
    std::optional<ConsentPolicy> policy;
};

struct StreamRequest {
    MediaKind kind = MediaKind::video;
    std::string codec;
    int payload_type = 96;
    int clock_rate = 90000;
    int channels = 0;
    std::string participant;
    std::string fmtp;                     // RFC 8866 6.15 format parameters, kept in recording.json
    std::optional<std::uint32_t> ssrc;    // the sender's, when known (documentation only)
    bool fir = false;                     // keyframes by RTCP FIR (negotiated "ccm fir", RFC 5104 7.1)
    // false: RTCP comes to a port of its own, the RTP port + 1 (RFC 3550 11; an SDP offer
    // without a=rtcp-mux, answered with a=rtcp, RFC 3605).
    bool rtcp_mux = true;
};

struct StreamStatus {
    std::string track;
    std::uint16_t port = 0;
    std::uint16_t rtcp_port = 0; // 0: rtcp-mux
    bool recorded = true;        // false: the participant may not be recorded, nothing is written
    ReceiverStats stats;
};

// Where a session gets its sockets and files from; all owned by the recorder.
struct SessionContext {
    std::function<MediaThread&()> media_thread;   // the thread a new stream's socket goes to
    PortPool& ports;
    storage::Catalog& catalog;
    const storage::Layout& layout;
    std::string listen_address;
};

class Session {
public:
    // Creates raw/<id>/ with tracks/ and slides/, writes recording.json with a fresh clock
    // anchor and the consent policy (setup.policy, consenting when unset), registers the
    // recording in the catalog (state recording) and audits it as "created" by "recorder"
    // with the policy in the entry's details (docs/privacy.md "Audit trail").
    // Errc::already_exists when that recording id exists (same meeting, same millisecond).
    static Result<std::unique_ptr<Session>> create(SessionContext context, SessionSetup setup, WallTime now);
    Session(SessionContext context, RecordingInfo info, std::filesystem::path dir, EventLog events);   // by create()
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    const std::string& id() const { return info_.id; }
    bool stopped() const { return info_.stopped.has_value(); }
    const RecordingInfo& info() const { return info_; }
    // "recording", "degraded" (a write failed, e.g. disk full: packets are still counted) or
    // "stopped".
    std::string_view state_name() const;

    // Allocates a UDP port and starts receiving. Errc::invalid_argument naming the field for
    // an unknown participant or a codec/kind mismatch.
    Result<StreamStatus> add_stream(const StreamRequest& request);

    // Stores the PDF as slides/<deck>.pdf and appends a deck_added event.
    Result<Deck> add_deck(const std::string& name, std::string_view pdf, WallTime now);

    // Appends events (each a JSON object with a string "type"; "t_us" defaults to `now`).
    // A participant_joined event for a new participant adds them to recording.json. A
    // consent_changed event {"participant", "consent"} takes effect from that instant: the
    // participant's media is written only while they are recordable under the session's
    // policy; it is logged with "was" (the consent before it) so that the renderer knows
    // every instant's consent. A chat event of a participant whose Exposure is `absent` at
    // that instant (consent denied, or a pupil under teacher_only) is not stored at all
    // (issue 9: their chat text appears nowhere, not even in raw/).
    Result<std::size_t> add_events(const std::vector<std::string>& events, WallTime now);

    // Pause (issue 3): appends recording_paused and from then on media is not written (counted
    // as `paused`) until resume() appends recording_resumed; video streams then ask for a key
    // frame. The renderer cuts the span (transcode/pause_map). Errc::already_exists when
    // already paused / not paused.
    Result<void> pause(WallTime now);
    Result<void> resume(WallTime now);
    bool paused() const { return paused_; }

    // Closes the pcaps (renamed from .tmp), writes stopped_utc_us, sets the catalog state to
    // stopped and enqueues the render job. Errc::already_exists when already stopped.
    Result<void> stop(WallTime now);

    // Syncs events.jsonl (called every sync interval; the pcaps are the disk writer's).
    void flush();

    std::vector<StreamStatus> streams() const;

private:
    void release_ports(const UdpReceiver& receiver);

    struct Stream {
        std::string track;
        bool recorded = true;      // media is being written now
        std::unique_ptr<UdpReceiver> receiver;
        TrackInfo info;            // as it goes into recording.json once first written
    };
    Result<void> save();
    // A consent_changed event: writing of the participant's streams starts or stops now.
    Result<bool> change_consent(const std::string& participant, const std::string& consent);

    SessionContext context_;
    RecordingInfo info_;
    std::filesystem::path dir_;
    EventLog events_;
    std::vector<Stream> streams_;
    int next_track_ = 1;
    bool paused_ = false;
    std::uint64_t chat_dropped_ = 0; // chat events not stored: their sender is absent
};

} // namespace tafel::ingest
