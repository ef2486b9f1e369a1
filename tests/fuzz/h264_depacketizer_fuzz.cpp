// libFuzzer target: H.264 over RTP (RFC 6184: single NAL units, STAP-A, FU-A) and access-unit reassembly across a packet sequence with loss and duplicates. An access unit handed on is never empty and starts with an Annex B start code.
#include "fuzz_check.hpp"
#include "ingest/h264_depacketizer.hpp"
#include "packet_stream.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto frames = tafel::fuzz::depacketize<tafel::ingest::H264Depacketizer>(data, size);
    for (const auto& frame : frames) {
        TAFEL_FUZZ_CHECK(!frame.data.empty());
        TAFEL_FUZZ_CHECK(frame.data.size() >= 4 && frame.data[0] == 0 && frame.data[1] == 0);
    }
    return 0;
}
