#pragma once
// One stream's UDP socket: receives RTP and RTCP (rtcp-mux, RFC 5761) on the io_context's
// thread and appends every valid datagram, stamped with its arrival time, to the track's pcap
// writer. Never decodes. Datagrams that are neither RTP nor RTCP are dropped and counted by
// reason; so is everything of a participant who may not be recorded (no writer at all).
#include "core/error.hpp"
#include "ingest/datagram_check.hpp"
#include "ingest/keyframe_requester.hpp"
#include "ingest/pcap_writer.hpp"
#include "ingest/rtp_stream_stats.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace boost::asio {
class io_context;
}

namespace tafel::ingest {

struct ReceiverStats {
    std::uint64_t packets = 0;        // written to the pcap (RTP + RTCP)
    std::uint64_t bytes = 0;
    std::uint64_t rtcp_packets = 0;
    std::uint64_t not_recordable = 0; // discarded: the participant may not be recorded
    std::uint64_t write_errors = 0;   // lost to a failed write (disk full)
    std::uint64_t plis_sent = 0;      // RTCP PLI keyframe requests sent back (RFC 4585 6.3.1)
    DropCounts dropped{};             // invalid or non-media datagrams, indexed by DropReason
    RtpStreamStats rtp;               // lost, reordered, duplicates, jitter of the written RTP

    std::uint64_t dropped_by(DropReason r) const { return dropped[static_cast<std::size_t>(r)]; }

    std::uint64_t dropped_total() const;
};

struct ReceiverOptions {
    int clock_rate = 90000;
    bool video = false;        // video streams get keyframe requests (RTCP PLI) on loss
    bool vp8 = false;          // …and on a start without a key frame (needs the payload format)
};

class UdpReceiver {
public:
    // Binds `address:port` (Errc::network when busy).
    static Result<std::unique_ptr<UdpReceiver>> create(boost::asio::io_context& io, const std::string& address,
                                                       std::uint16_t port, std::string log_tag,
                                                       ReceiverOptions options = {});
    ~UdpReceiver();
    UdpReceiver(const UdpReceiver&) = delete;
    UdpReceiver& operator=(const UdpReceiver&) = delete;

    // Begins async receiving into `writer`; without one (the stream's participant may not be
    // recorded) datagrams are only counted.
    void start(std::optional<PcapWriter> writer);
    // Consent changes (issue 3, "Privacy"): from the next datagram on, media is written
    // (needs a writer: attach one first) or only counted as not_recordable.
    void set_recordable(bool recordable);
    void attach_writer(PcapWriter writer);
    bool has_writer() const;
    Result<void> flush();             // the pcap's buffered records to disk
    Result<void> close();             // stops receiving, closes and renames the pcap

    std::uint16_t port() const;
    const ReceiverStats& stats() const;

    struct Impl;
    explicit UdpReceiver(std::shared_ptr<Impl> impl);   // by create()

private:
    std::shared_ptr<Impl> impl_;
};

} // namespace tafel::ingest
