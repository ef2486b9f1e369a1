#pragma once
// Compound RTCP packets (RFC 3550 6.1, 6.4, 6.5, 6.6): sender and receiver reports, SDES
// CNAME items and BYE. Other packet types (APP, RTPFB/PSFB feedback, XR) are counted and
// skipped, not errors.
#include "core/error.hpp"
#include "ingest/rtp_packet.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace tafel::ingest {

// RFC 3550 6.4.1 report block.
struct RtcpReportBlock {
    std::uint32_t ssrc = 0;
    std::uint8_t fraction_lost = 0;
    std::int32_t cumulative_lost = 0;       // signed 24 bits
    std::uint32_t highest_sequence = 0;     // extended highest sequence number received
    std::uint32_t jitter = 0;
    std::uint32_t last_sr = 0;
    std::uint32_t delay_since_last_sr = 0;
};

// RFC 3550 6.4.1: SR, PT 200.
struct RtcpSenderReport {
    std::uint32_t ssrc = 0;
    std::uint64_t ntp_timestamp = 0;        // 32.32 fixed point seconds since 1900
    std::uint32_t rtp_timestamp = 0;        // the same instant on the RTP clock
    std::uint32_t packet_count = 0;
    std::uint32_t octet_count = 0;
    std::vector<RtcpReportBlock> reports;
};

// RFC 3550 6.4.2: RR, PT 201.
struct RtcpReceiverReport {
    std::uint32_t ssrc = 0;
    std::vector<RtcpReportBlock> reports;
};

// RFC 3550 6.5.1: the CNAME item of one SDES chunk (PT 202).
struct RtcpCname {
    std::uint32_t ssrc = 0;
    std::string cname;
};

// RFC 3550 6.6: BYE, PT 203.
struct RtcpBye {
    std::vector<std::uint32_t> ssrcs;
    std::string reason;
};

struct RtcpCompound {
    std::vector<RtcpSenderReport> sender_reports;
    std::vector<RtcpReceiverReport> receiver_reports;
    std::vector<RtcpCname> cnames;
    std::vector<RtcpBye> byes;
    int other_packets = 0;                  // APP, feedback, XR, …: skipped

    // Errc::malformed_input naming the reason when a packet's version, length, padding or
    // content does not fit the datagram (RFC 3550 A.2 validity checks).
    static Result<RtcpCompound> parse(Bytes datagram);
};

} // namespace tafel::ingest
