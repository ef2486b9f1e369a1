#pragma once
// Feeds byte-built RTP payloads to a depacketizer, optionally losing some sequence numbers.
#include "ingest/depacketizer.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace tafel::ingest::test {

struct PayloadStream {
    std::int64_t seq = 1000;
    std::vector<std::vector<std::uint8_t>> payloads;
    std::vector<MediaPacket> packets;

    // Returns the sequence number given to the packet.
    std::int64_t add(std::int64_t ts, bool marker, std::vector<std::uint8_t> payload) {
        payloads.push_back(std::move(payload));
        packets.push_back(MediaPacket{7, seq, ts, marker, ArrivalTime{ts}, {}});
        return seq++;
    }

    std::vector<EncodedFrame> run(Depacketizer& d, TrackStats& stats, const std::vector<std::int64_t>& lost = {}) const {
        std::vector<EncodedFrame> out;
        for (std::size_t i = 0; i < packets.size(); ++i) {
            if (std::find(lost.begin(), lost.end(), packets[i].sequence) != lost.end()) continue;
            MediaPacket p = packets[i];
            p.payload = Bytes(payloads[i]);
            d.push(p, out, stats);
        }
        d.finish(out, stats);
        return out;
    }
};

inline std::vector<std::int64_t> timestamps_of(const std::vector<EncodedFrame>& frames) {
    std::vector<std::int64_t> ts;
    for (const auto& f : frames) ts.push_back(f.rtp_timestamp);
    return ts;
}

} // namespace tafel::ingest::test
