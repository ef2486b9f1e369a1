#pragma once
// Splits a fuzz input into a sequence of RTP payloads with their sequence/timestamp steps, so
// that one input exercises a depacketizer's state across packets: loss, duplicates, frames
// that end on the marker or on a timestamp change (RFC 7741 4.4, RFC 7587 4.2).
//
// Each packet: [control byte][length byte][length payload bytes]; control bit 0 = marker,
// bit 1 = a new timestamp, bits 2-4 = the sequence step (0 duplicate, 1 next, >1 a gap).
#include "ingest/depacketizer.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace tafel::fuzz {

inline void for_each_packet(const std::uint8_t* data, std::size_t size,
                            const std::function<void(const ingest::MediaPacket&)>& on_packet) {
    ingest::MediaPacket packet;
    packet.ssrc = 0x1234;
    packet.sequence = 65530;
    packet.timestamp = 4'294'960'000;
    std::size_t off = 0;
    while (off + 2 <= size) {
        const std::uint8_t control = data[off];
        const std::size_t length = data[off + 1];
        off += 2;
        const std::size_t n = length < size - off ? length : size - off;
        packet.marker = (control & 0x01) != 0;
        if (control & 0x02) packet.timestamp += 3000;
        packet.sequence += (control >> 2) & 0x07;
        packet.arrival.ns += 1'000'000;
        packet.payload = ingest::Bytes(data + off, n);
        on_packet(packet);
        off += n;
    }
}

// Every frame a fresh `Depacketizer` hands on for the packet sequence in `data`, finish()
// included.
template <class Depacketizer>
std::vector<ingest::EncodedFrame> depacketize(const std::uint8_t* data, std::size_t size) {
    Depacketizer depacketizer;
    ingest::TrackStats stats;
    std::vector<ingest::EncodedFrame> frames;
    for_each_packet(data, size, [&](const ingest::MediaPacket& packet) { depacketizer.push(packet, frames, stats); });
    depacketizer.finish(frames, stats);
    return frames;
}

} // namespace tafel::fuzz
