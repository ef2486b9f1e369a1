#pragma once
// Reading back what a recorder or importer test captured: the records of a pcap, and the
// frames the depacketizers rebuild from a track.
#include "ingest/pcap_reader.hpp"
#include "ingest/track_reader.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <vector>

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

// Reads `reader` to its end; every frame. Its sender reports are complete afterwards.
inline std::vector<EncodedFrame> all_frames(TrackReader& reader) {
    std::vector<EncodedFrame> out;
    for (;;) {
        auto f = reader.next();
        REQUIRE(f);
        if (!*f) return out;
        out.push_back(std::move(**f));
    }
}

// The number of frames all_frames would return.
inline int read_all_frames(TrackReader& reader) { return static_cast<int>(all_frames(reader).size()); }

} // namespace tafel::ingest::test
