#pragma once
// Reading back what a recorder test captured: the records of a pcap, and the frames the
// depacketizers rebuild from a track.
#include "ingest/pcap_reader.hpp"
#include "ingest/track_reader.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>

namespace tafel::ingest::test {

// Every record (RTP and RTCP) of the pcap `file`.
inline std::uint64_t count_records(const std::filesystem::path& file, const ClockAnchor& anchor = {}) {
    auto reader = PcapReader::open(file, anchor);
    REQUIRE(reader);
    std::uint64_t n = 0;
    for (;;) {
        auto r = reader->next();
        REQUIRE(r);
        if (!*r) return n;
        ++n;
    }
}

// Reads `reader` to its end; the number of frames. Its sender reports are complete afterwards.
inline int read_all_frames(TrackReader& reader) {
    int frames = 0;
    for (;;) {
        auto f = reader.next();
        REQUIRE(f);
        if (!*f) return frames;
        ++frames;
    }
}

} // namespace tafel::ingest::test
