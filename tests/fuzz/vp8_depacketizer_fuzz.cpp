// libFuzzer target: the VP8 payload descriptor (RFC 7741 4.2) and frame reassembly across a
// packet sequence with loss and duplicates. A frame handed on must be whole: never empty,
// never bigger than the payloads it came from, a keyframe only with the VP8 P bit clear
// (RFC 6386 9.1).
#include "fuzz_check.hpp"
#include "ingest/vp8_depacketizer.hpp"
#include "packet_stream.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (auto d = tafel::ingest::Vp8Descriptor::parse(tafel::ingest::Bytes(data, size))) {
        TAFEL_FUZZ_CHECK(d->size < size);
    }
    tafel::ingest::Vp8Depacketizer depacketizer;
    tafel::ingest::TrackStats stats;
    std::vector<tafel::ingest::EncodedFrame> frames;
    std::size_t payload_bytes = 0;
    tafel::fuzz::for_each_packet(data, size, [&](const tafel::ingest::MediaPacket& packet) {
        payload_bytes += packet.payload.size();
        depacketizer.push(packet, frames, stats);
    });
    depacketizer.finish(frames, stats);
    std::size_t frame_bytes = 0;
    for (const auto& frame : frames) {
        TAFEL_FUZZ_CHECK(!frame.data.empty());
        TAFEL_FUZZ_CHECK(!frame.keyframe || (frame.data[0] & 0x01) == 0);
        frame_bytes += frame.data.size();
    }
    TAFEL_FUZZ_CHECK(frame_bytes <= payload_bytes);
    return 0;
}
