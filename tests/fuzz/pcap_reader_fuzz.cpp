// libFuzzer target: a capture file through PcapReader, as a recorder that died mid-write or a
// foreign tool would leave it. The reader must end (no loop), keep its memory bounded by the
// snap length, and never hand on more payload than the file holds.
#include "fuzz_check.hpp"
#include "ingest/pcap_reader.hpp"

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

// One scratch file per fuzzing process, rewritten for every input.
const std::filesystem::path& scratch_file() {
    static const std::filesystem::path path = [] {
        const char* dir = std::getenv("TMPDIR");
        return std::filesystem::path(dir ? dir : "/tmp") / ("tafel-pcap-fuzz-" + std::to_string(getpid()) + ".pcap");
    }();
    return path;
}

struct RemoveAtExit {
    ~RemoveAtExit() {
        std::error_code ec;
        std::filesystem::remove(scratch_file(), ec);
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const RemoveAtExit cleanup;
    {
        std::ofstream out(scratch_file(), std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
        if (!out) {
            std::perror("pcap_reader_fuzz: scratch file");
            std::abort();
        }
    }
    auto reader = tafel::ingest::PcapReader::open(scratch_file(), tafel::ClockAnchor{});
    if (!reader) return 0;
    std::size_t records = 0;
    std::size_t payload_bytes = 0;
    while (true) {
        auto record = reader->next();
        if (!record || !*record) break;
        ++records;
        payload_bytes += (*record)->payload.size();
        // Every record costs at least its 16-byte header plus IPv4 and UDP headers.
        TAFEL_FUZZ_CHECK(records * (16 + 20 + 8) + payload_bytes <= size);
    }
    return 0;
}
