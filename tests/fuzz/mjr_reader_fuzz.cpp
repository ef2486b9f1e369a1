// libFuzzer target: Janus recordings (.mjr v1 "MEETECHO" and v2 "MJR00002": the JSON info
// header, then length-prefixed frames). Whatever the bytes, reading ends in a packet, the end,
// a torn tail or an error — and never hands out more bytes than the input held.
#include "fuzz_check.hpp"
#include "ingest/mjr_reader.hpp"

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto in = std::make_unique<std::istringstream>(std::string(reinterpret_cast<const char*>(data), size));
    auto reader = tafel::ingest::MjrReader::read(std::move(in), "fuzz.mjr");
    if (!reader) return 0;
    TAFEL_FUZZ_CHECK(!reader->info().codec.empty());
    std::size_t bytes = 0;
    for (;;) {
        auto p = reader->next();
        if (!p || !*p) break;
        bytes += (*p)->data.size();
        TAFEL_FUZZ_CHECK(bytes <= size);
    }
    return 0;
}
