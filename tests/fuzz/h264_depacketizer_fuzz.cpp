// libFuzzer target: H.264 over RTP (RFC 6184: single NAL units, STAP-A, FU-A) and access-unit reassembly across a packet sequence with loss and duplicates. An access unit handed on is never empty and starts with an Annex B start code.
#include "fuzz_check.hpp"
#include "ingest/h264_depacketizer.hpp"
#include "packet_stream.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    tafel::ingest::H264Depacketizer depacketizer;
    tafel::ingest::TrackStats stats;
    std::vector<tafel::ingest::EncodedFrame> frames;
    tafel::fuzz::for_each_packet(data, size, [&](const tafel::ingest::MediaPacket& packet) {
        depacketizer.push(packet, frames, stats);
    });
    depacketizer.finish(frames, stats);
    for (const auto& frame : frames) {
        TAFEL_FUZZ_CHECK(!frame.data.empty());
        TAFEL_FUZZ_CHECK(frame.data.size() >= 4 && frame.data[0] == 0 && frame.data[1] == 0);
    }
    return 0;
}
