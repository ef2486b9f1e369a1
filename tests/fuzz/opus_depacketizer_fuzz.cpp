// libFuzzer target: Opus over RTP (RFC 7587 4.2) across a packet sequence. Every frame is one
// packet's payload unchanged, at that packet's timestamp.
#include "fuzz_check.hpp"
#include "ingest/opus_depacketizer.hpp"
#include "packet_stream.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    tafel::ingest::OpusDepacketizer depacketizer;
    tafel::ingest::TrackStats stats;
    std::vector<tafel::ingest::EncodedFrame> frames;
    std::size_t packets = 0;
    tafel::fuzz::for_each_packet(data, size, [&](const tafel::ingest::MediaPacket& packet) {
        ++packets;
        const std::size_t before = frames.size();
        depacketizer.push(packet, frames, stats);
        TAFEL_FUZZ_CHECK(frames.size() <= before + 1);
        if (frames.size() == before + 1) {
            const auto& frame = frames.back();
            TAFEL_FUZZ_CHECK(frame.data.size() == packet.payload.size());
            TAFEL_FUZZ_CHECK(frame.rtp_timestamp == packet.timestamp);
        }
    });
    depacketizer.finish(frames, stats);
    TAFEL_FUZZ_CHECK(frames.size() <= packets);
    return 0;
}
