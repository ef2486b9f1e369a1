#pragma once
// One stream's UDP socket, owned by one media thread: receives RTP and RTCP (rtcp-mux,
// RFC 5761; or RTCP on a second socket of its own, RFC 3550 11) in batches with recvmmsg(2)
// when the reactor reports it readable, stamps every datagram with its arrival time and
// encodes each valid one as a pcap record into its own buffer. No lock and no disk access on that path: the media
// thread's tick hands the buffer to the disk writer (ingest/disk_writer.hpp). Never decodes. Datagrams that are neither
// RTP nor RTCP are dropped and counted by reason; so is everything of a participant who may not be recorded (no file at
// all).
#include "core/error.hpp"
#include "ingest/datagram_check.hpp"
#include "ingest/keyframe_requester.hpp"
#include "ingest/rtp_stream_stats.hpp"

#include <cstdint>
#include <future>
#include <memory>
#include <string>

namespace tafel::ingest {

class MediaThread;
class TrackFile;

struct ReceiverStats {
    std::uint64_t packets = 0;        // written to the pcap (RTP + RTCP), or on their way
    std::uint64_t bytes = 0;
    std::uint64_t rtcp_packets = 0;
    std::uint64_t synced = 0;         // of `packets`, on disk (synced): these survive a crash
    std::uint64_t not_recordable = 0; // discarded: the participant may not be recorded
    std::uint64_t paused = 0;         // discarded: the recording was paused
    std::uint64_t write_errors = 0;   // lost to a failed write (disk full)
    std::uint64_t plis_sent = 0;      // RTCP PLI keyframe requests sent back (RFC 4585 6.3.1)
    std::uint64_t firs_sent = 0;      // RTCP FIR sent instead where negotiated (RFC 5104 4.3.1)
    DropCounts dropped{};             // invalid or non-media datagrams, indexed by DropReason
    RtpStreamStats rtp;               // lost, reordered, duplicates, jitter of the written RTP

    std::uint64_t dropped_by(DropReason r) const { return dropped[static_cast<std::size_t>(r)]; }

    std::uint64_t dropped_total() const;
};

struct ReceiverOptions {
    int clock_rate = 90000;
    bool video = false;        // video streams get keyframe requests on loss
    KeyframeCodec codec = KeyframeCodec::none;   // …and on a start without a key frame
    bool fir = false;          // RTCP FIR (RFC 5104) instead of PLI: negotiated "ccm fir"
};

class UdpReceiver {
public:
    // Binds `address:port` on `thread` (Errc::network when busy). `rtcp_port` ≠ 0: a stream
    // without rtcp-mux; RTCP arriving there goes into the same pcap (its records carry that
    // destination port) and keyframe requests leave from it once the sender's RTCP was seen.
    static Result<std::unique_ptr<UdpReceiver>> create(MediaThread& thread, const std::string& address,
                                                       std::uint16_t port, std::string log_tag,
                                                       ReceiverOptions options = {}, std::uint16_t rtcp_port = 0);
    ~UdpReceiver();
    UdpReceiver(const UdpReceiver&) = delete;
    UdpReceiver& operator=(const UdpReceiver&) = delete;

    // Begins receiving into `file`; without one (the stream's participant may not be
    // recorded) datagrams are only counted.
    void start(std::shared_ptr<TrackFile> file);
    // Consent changes (issue 3, "Privacy"): from the next datagram on, media is written
    // (needs a file: attach one first) or only counted as not_recordable.
    void set_recordable(bool recordable);
    // Pause (issue 3): while paused, datagrams are counted as `paused` and not written.
    void set_paused(bool paused);
    void attach_file(std::shared_ptr<TrackFile> file);
    bool has_file() const;
    // Stops receiving, hands the last records to the disk writer with a request to close and
    // rename the pcap; the future is ready once that is done. close() waits for it.
    std::future<Result<void>> close_async();
    Result<void> close();

    std::uint16_t port() const;
    std::uint16_t rtcp_port() const; // 0: rtcp-mux (RTCP on port())
    ReceiverStats stats() const;   // a copy taken on the socket's thread

    struct Impl;
    explicit UdpReceiver(std::shared_ptr<Impl> impl);   // by create()

private:
    std::shared_ptr<Impl> impl_;
};

} // namespace tafel::ingest
