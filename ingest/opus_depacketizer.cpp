#include "ingest/opus_depacketizer.hpp"

#include <fmt/format.h>

namespace tafel::ingest {

namespace {

// RFC 6716 3.1 table 2: frame size of each TOC config (bits 7-3), in 48 kHz samples.
std::int64_t config_frame_samples(unsigned config) {
    if (config < 12) {   // SILK-only: 10, 20, 40, 60 ms
        constexpr std::int64_t silk[] = {480, 960, 1920, 2880};
        return silk[config % 4];
    }
    if (config < 16) {   // Hybrid: 10, 20 ms
        return config % 2 == 0 ? 480 : 960;
    }
    constexpr std::int64_t celt[] = {120, 240, 480, 960};   // CELT-only: 2.5, 5, 10, 20 ms
    return celt[config % 4];
}

constexpr std::int64_t k_max_packet_samples = 5760;   // 120 ms at 48 kHz

} // namespace

Result<std::int64_t> opus_packet_samples(Bytes p) {
    if (p.empty()) return fail(Errc::malformed_input, "Opus packet has no TOC byte");
    const std::int64_t frame = config_frame_samples(p[0] >> 3);
    std::int64_t count = 0;
    switch (p[0] & 0x03) {   // RFC 6716 3.2: the frame count code c
    case 0: count = 1; break;
    case 1:
    case 2: count = 2; break;
    default:
        // RFC 6716 3.2.5: the second byte's low six bits count the frames (M ≥ 1).
        if (p.size() < 2) return fail(Errc::malformed_input, "Opus code-3 packet lacks its frame-count byte");
        count = p[1] & 0x3f;
        if (count == 0) return fail(Errc::malformed_input, "Opus code-3 packet with zero frames");
        break;
    }
    const std::int64_t samples = frame * count;
    if (samples > k_max_packet_samples) {
        return fail(Errc::malformed_input, fmt::format("Opus packet of {} samples exceeds 120 ms", samples));
    }
    return samples;
}

void OpusDepacketizer::push(const MediaPacket& packet, std::vector<EncodedFrame>& out, TrackStats& stats) {
    // RFC 7587 4.2: an empty payload is not an Opus packet (a TOC byte is required,
    // RFC 6716 3.1); DTX is signalled by not sending, not by empty packets.
    auto samples = opus_packet_samples(packet.payload);
    if (!samples) {
        ++stats.malformed;
        return;
    }
    EncodedFrame f;
    f.ssrc = packet.ssrc;
    f.rtp_timestamp = packet.timestamp;
    f.duration_ticks = *samples;
    f.arrival = packet.arrival;
    f.keyframe = true;   // every Opus packet can start decoding
    f.data.assign(packet.payload.begin(), packet.payload.end());
    ++stats.frames;
    out.push_back(std::move(f));
}

} // namespace tafel::ingest
