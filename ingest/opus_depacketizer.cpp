#include "ingest/opus_depacketizer.hpp"

namespace tafel::ingest {

void OpusDepacketizer::push(const MediaPacket& packet, std::vector<EncodedFrame>& out, TrackStats& stats) {
    // RFC 7587 4.2: an empty payload is not an Opus packet (a TOC byte is required,
    // RFC 6716 3.1); DTX is signalled by not sending, not by empty packets.
    if (packet.payload.empty()) {
        ++stats.malformed;
        return;
    }
    EncodedFrame f;
    f.ssrc = packet.ssrc;
    f.rtp_timestamp = packet.timestamp;
    f.arrival = packet.arrival;
    f.keyframe = true;   // every Opus packet can start decoding
    f.data.assign(packet.payload.begin(), packet.payload.end());
    ++stats.frames;
    out.push_back(std::move(f));
}

} // namespace tafel::ingest
