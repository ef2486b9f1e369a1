#pragma once
// Opus over RTP (RFC 7587 4.2): one RTP payload is exactly one Opus packet, so every packet
// is a frame; a lost packet is just missing (the decoder conceals it). The duration of each
// packet comes from its TOC byte (RFC 6716 3.1), never from an assumed 20 ms: senders use
// 2.5 to 120 ms, and a DTX pause shows as a timestamp jump larger than the last duration.
#include "core/error.hpp"
#include "ingest/depacketizer.hpp"

#include <cstdint>

namespace tafel::ingest {

// Samples at 48 kHz (the RTP clock of Opus, RFC 7587 4.1) of one Opus packet: the frame
// size of its TOC config times its frame count (codes 0-3). Errc::malformed_input for an
// empty packet, a code-3 packet without its count byte or with zero frames, or a total over
// 120 ms (RFC 6716 3.2.5 R5).
Result<std::int64_t> opus_packet_samples(Bytes packet);

class OpusDepacketizer final : public Depacketizer {
public:
    void push(const MediaPacket& packet, std::vector<EncodedFrame>& out, TrackStats& stats) override;
    void finish(std::vector<EncodedFrame>&, TrackStats&) override {}
};

} // namespace tafel::ingest
