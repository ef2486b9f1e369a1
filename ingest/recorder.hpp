#pragma once
// The recorder daemon: a JSON-over-HTTP control API (docs/architecture.md, "Contract: the
// recorder's control API") and one UDP socket per stream, on a few media threads (the first
// also serves the control API), with disk writes on a thread of their own.
// It captures (RTP + RTCP + arrival time into pcap, events into events.jsonl, decks as PDF)
// and never decodes. Boost stays in the .cpp files.
#include "core/consent_policy.hpp"
#include "core/error.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace tafel::storage {
class Catalog;
class Layout;
} // namespace tafel::storage

namespace tafel::ingest {

struct RecorderOptions {
    std::string listen_address = "127.0.0.1";
    std::uint16_t control_port = 8090;   // 0: any free port (see control_port())
    std::uint16_t rtp_port_min = 40000;
    std::uint16_t rtp_port_max = 40999;
    std::size_t body_limit = 64 << 20;   // deck uploads
    // How often buffered packets are handed to the disk writer and synced: a crash loses
    // about this much (plus the time a sync takes).
    std::chrono::milliseconds sync_interval{250};
    // On start(), finalise recordings left unstopped by a recorder that died (session_recovery.hpp).
    bool recover_on_start = true;
    // Non-empty: every control request must carry X-Tafel-Signature =
    // hex(HMAC-SHA256(secret, METHOD "\n" path-with-query "\n" body)) (core/hmac.hpp), else 401.
    // GET /metrics stays open for Prometheus scrapers; it names sessions, not people.
    std::string secret;
    // (New fields go last: tests and callers initialise the struct positionally.)
    // Media threads receiving the streams' sockets (round robin); the first one also serves
    // the control API. Disk writes happen on one more thread of their own.
    int io_threads = 1;
    // Below this much free space on the data folder's file system new sessions are refused
    // (HTTP 507 naming the folder and the free space); running ones go on. 0: no floor.
    std::uint64_t disk_floor_bytes = 0;
    // The consent policy of a new session whose request names none: by its context, else the
    // default (core/consent_policy.hpp, docs/privacy.md).
    ConsentPolicies consent_policies;
};

class Recorder {
public:
    // Binds the control port (Errc::network naming the address when busy) and validates the
    // options; nothing runs before start(). `catalog` and `layout` must outlive the recorder.
    // `on_stopped` is called on the recorder's thread after a recording is finalised and its
    // render job enqueued.
    static Result<std::unique_ptr<Recorder>> create(RecorderOptions options, storage::Catalog& catalog,
                                                    const storage::Layout& layout,
                                                    std::function<void(const std::string& recording_id)> on_stopped = {});
    ~Recorder();   // stop()
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;

    // Recovers recordings a dead recorder left open (closes their pcaps, marks them stopped,
    // enqueues their render jobs and calls on_stopped for each), then starts the io_context
    // thread: serves the control API, receives media, syncs the pcaps every sync_interval.
    Result<void> start();

    // Stops accepting, finalises every open session as a stop request would (pcaps closed and
    // renamed, recording.json completed, render job enqueued), then joins the thread.
    void stop();

    std::uint16_t control_port() const;

    struct Impl;
    explicit Recorder(std::unique_ptr<Impl> impl);   // by create()

private:
    std::unique_ptr<Impl> impl_;
};

} // namespace tafel::ingest
