#pragma once
// What a recorder killed with SIGKILL must leave once the next recorder has recovered its
// session (docs/recorder.md, crash recovery): checked the same way for the recorder in a child
// process (tests/ingest/recorder_crash_test.cpp) and for `tafel record`
// (tests/e2e/recorder_crash_test.cpp).
#include "ingest/pcap_reader.hpp"
#include "ingest/raw_recording.hpp"
#include "storage/catalog.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace tafel::ingest::test {

// One stream of a killed run: its track and when each RTP sequence number left the sender.
struct SentStream {
    std::string track;
    std::map<std::uint16_t, std::chrono::steady_clock::time_point> sent;
};

// One recording session that was killed at `killed_at`.
struct KilledRun {
    std::string id;
    std::vector<SentStream> streams;
    std::chrono::steady_clock::time_point killed_at;
};

// The RTP sequence numbers in a recovered track (RTCP records skipped: PT 200..204,
// RFC 3550 12.1); `torn` says whether the file ends in a partial record.
inline std::set<std::uint16_t> sequences_on_disk(const std::filesystem::path& file, const ClockAnchor& anchor,
                                                 bool& torn) {
    auto reader = PcapReader::open(file, anchor);
    REQUIRE(reader);
    std::set<std::uint16_t> got;
    for (;;) {
        auto r = reader->next();
        REQUIRE(r);
        if (!*r) break;
        const auto& p = (*r)->payload;
        REQUIRE(p.size() >= 12);
        if (p[1] >= 200 && p[1] <= 204) continue;
        got.insert(static_cast<std::uint16_t>((p[2] << 8) | p[3]));
    }
    torn = reader->truncated_tail();
    return got;
}

// The recovery of `run` under the data folder `data`: recording.json says stopped; each
// track's pcap is finished (no .tmp left) and whole, and holds every RTP packet sent more than
// `margin` (the sync interval plus scheduling slack) before the kill; the catalog row is
// stopped with the render and its audio-only preview queued (issue 6).
inline void check_recovered(const std::filesystem::path& data, const KilledRun& run,
                            std::chrono::steady_clock::duration margin) {
    INFO("recording " << run.id);
    const std::filesystem::path raw = data / "raw" / run.id;
    auto info = read_recording_info(raw);
    REQUIRE(info);
    CHECK(info->stopped.has_value());
    const auto horizon = run.killed_at - margin;
    for (const auto& s : run.streams) {
        INFO("track " << s.track);
        const std::filesystem::path file = raw / "tracks" / (s.track + ".pcap");
        CHECK(std::filesystem::exists(file));
        CHECK_FALSE(std::filesystem::exists(std::filesystem::path(file.string() + ".tmp")));
        bool torn = false;
        const auto got = sequences_on_disk(file, info->anchor, torn);
        CHECK_FALSE(torn);
        std::size_t must = 0, missing = 0;
        for (const auto& [seq, at] : s.sent) {
            if (at >= horizon) continue;
            ++must;
            if (!got.contains(seq)) ++missing;
        }
        INFO(must << " RTP packets were sent more than one sync interval before the kill; " << got.size() << " of "
                  << s.sent.size() << " sent are on disk");
        CHECK(missing == 0);
    }
    auto catalog = storage::Catalog::open("sqlite:" + (data / "tafel.db").string());
    REQUIRE(catalog);
    auto row = (*catalog)->recording(run.id);
    REQUIRE(row);
    REQUIRE(*row);
    CHECK((*row)->state == storage::RecordingState::stopped);
    auto jobs = (*catalog)->jobs_of(run.id);
    REQUIRE(jobs);
    REQUIRE(jobs->size() == 2); // the render and its audio-only preview (issue 6)
    CHECK((*jobs)[0].kind == "render");
    CHECK((*jobs)[1].kind == "preview");
}

} // namespace tafel::ingest::test
