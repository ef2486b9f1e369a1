#pragma once
// Opus over RTP (RFC 7587 4.2): one RTP payload is exactly one Opus packet, so every packet
// is a frame; a lost packet is just missing (the decoder conceals it).
#include "ingest/depacketizer.hpp"

namespace tafel::ingest {

class OpusDepacketizer final : public Depacketizer {
public:
    void push(const MediaPacket& packet, std::vector<EncodedFrame>& out, TrackStats& stats) override;
    void finish(std::vector<EncodedFrame>&, TrackStats&) override {}
};

} // namespace tafel::ingest
