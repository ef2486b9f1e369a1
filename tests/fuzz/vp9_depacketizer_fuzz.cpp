// libFuzzer target: the VP9 payload descriptor (RFC 9628 4.2: flexible and non-flexible modes, the scalability structure, spatial layers) and frame reassembly across a packet sequence with loss and duplicates. A frame handed on is never empty.
#include "fuzz_check.hpp"
#include "ingest/vp9_depacketizer.hpp"
#include "packet_stream.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto frames = tafel::fuzz::depacketize<tafel::ingest::Vp9Depacketizer>(data, size);
    for (const auto& frame : frames) {
        TAFEL_FUZZ_CHECK(!frame.data.empty());
    }
    return 0;
}
