// Issue 3, "Durability": a recording whose recorder died is found on start-up, its torn
// pcap tail cut, closed, marked stopped at its last packet, and its render job enqueued once.
#include "fake_catalog.hpp"
#include "ingest/pcap_reader.hpp"
#include "ingest/pcap_writer.hpp"
#include "ingest/raw_recording.hpp"
#include "ingest/session_recovery.hpp"
#include "packet_builder.hpp"
#include "storage/layout.hpp"
#include "tests/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace tafel;
using namespace tafel::ingest;
namespace fs = std::filesystem;

namespace {

// A raw recording as a recorder leaves it when killed: recording.json without stopped_utc_us,
// tracks/<t>.pcap.tmp with `packets` synced records (+ `torn` bytes of a half-written one).
RecordingInfo dead_recording(const storage::Layout& layout, ingest::test::FakeCatalog& catalog, int packets,
                             const std::vector<std::uint8_t>& torn) {
    RecordingInfo info;
    info.id = "dead-1";
    info.meeting = {"m1", "Bio 5c", "klasse-5c"};
    info.anchor = ClockAnchor::now();
    info.started = info.anchor.wall;
    info.participants.push_back({"teacher", "Frau Roth", Role::moderator, Consent::unknown});
    TrackInfo t;
    t.id = "t1";
    t.codec = "VP8";
    t.participant = "teacher";
    t.port = 40000;
    t.file = "tracks/t1.pcap";
    info.tracks.push_back(t);
    TrackInfo never = t;   // a track announced whose file never reached the disk
    never.id = "t2";
    never.file = "tracks/t2.pcap";
    info.tracks.push_back(never);
    const fs::path dir = layout.raw_dir(info.id);
    fs::create_directories(dir / "tracks");
    REQUIRE(write_recording_info(dir, info));
    storage::RecordingRow row;
    row.id = info.id;
    row.title = "Bio 5c";
    row.state = storage::RecordingState::recording;
    row.started_utc_us = info.started.utc_us;
    REQUIRE(catalog.put_recording(row));
    {
        auto w = PcapWriter::create(dir / t.file, info.anchor);
        REQUIRE(w);
        for (int i = 0; i < packets; ++i) {
            ingest::test::RtpFields f;
            f.seq = static_cast<std::uint16_t>(i);
            const auto p = ingest::test::rtp(f, {0x10, 0x00, 0x01});
            // 20 ms apart, starting 1 s after the anchor.
            REQUIRE(w->append(ArrivalTime{info.anchor.arrival.ns + 1'000'000'000 + i * 20'000'000}, {{127, 0, 0, 1}, 5000},
                              {{127, 0, 0, 1}, 40000}, p));
        }
        REQUIRE(w->flush());
        // The process dies here: keep the .tmp as it is on disk, and let the writer's own
        // close (which renames) happen to a copy.
        fs::copy_file(dir / "tracks/t1.pcap.tmp", dir / "tracks/saved");
    }
    fs::remove(dir / "tracks/t1.pcap");
    fs::rename(dir / "tracks/saved", dir / "tracks/t1.pcap.tmp");
    std::ofstream(dir / "tracks/t1.pcap.tmp", std::ios::binary | std::ios::app)
        .write(reinterpret_cast<const char*>(torn.data()), static_cast<std::streamsize>(torn.size()));
    std::ofstream(dir / "events.jsonl", std::ios::binary) << "{\"type\":\"chat\",\"t_us\":1,\"text\":\"hi\"}\n{\"type\":\"ch";
    return info;
}

} // namespace

TEST_CASE("recover_sessions closes a dead recording and enqueues its render", "[integration][ingest][recorder]") {
    tafel::test::TempDir dir("tafel-recovery");
    const storage::Layout layout(dir.path());
    ingest::test::FakeCatalog catalog;
    // Torn tails: half a record header; a whole header whose data is cut; a zero-filled block.
    std::vector<std::uint8_t> torn = GENERATE(std::vector<std::uint8_t>{},                        //
                                              std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6, 7},       //
                                              std::vector<std::uint8_t>{0, 0, 0, 0, 0, 0, 0, 0, 60, 0, 0, 0, 60, 0, 0, 0, 0x45, 0},
                                              std::vector<std::uint8_t>(4096, 0));
    const auto info = dead_recording(layout, catalog, 50, torn);
    const fs::path raw = layout.raw_dir(info.id);

    const auto recovered = recover_sessions(catalog, layout);
    REQUIRE(recovered.size() == 1);
    CHECK(recovered[0].id == info.id);
    CHECK(recovered[0].packets == 50);
    CHECK(recovered[0].torn_bytes == torn.size());

    CHECK(fs::exists(raw / "tracks/t1.pcap"));
    CHECK_FALSE(fs::exists(raw / "tracks/t1.pcap.tmp"));
    CHECK(fs::exists(raw / "tracks/t2.pcap"));   // an empty capture, so that readers find it
    auto reader = PcapReader::open(raw / "tracks/t1.pcap", info.anchor);
    REQUIRE(reader);
    int n = 0;
    for (;;) {
        auto r = reader->next();
        REQUIRE(r);
        if (!*r) break;
        ++n;
    }
    CHECK(n == 50);
    CHECK_FALSE(reader->truncated_tail());
    auto empty = read_pcap(raw / "tracks/t2.pcap", info.anchor);
    REQUIRE(empty);
    CHECK(empty->empty());

    auto after = read_recording_info(raw);
    REQUIRE(after);
    REQUIRE(after->stopped);
    // Stopped at the last packet: 1 s + 49 × 20 ms after the start.
    CHECK(after->stopped->utc_us == info.started.utc_us + 1'000'000 + 49 * 20'000);
    auto events = read_events(raw);
    REQUIRE(events);
    CHECK(events->size() == 1);

    CHECK((**catalog.recording(info.id)).state == storage::RecordingState::stopped);
    auto jobs = catalog.jobs_of(info.id);
    REQUIRE(jobs);
    // As a clean stop: the render and its audio-only preview (issue 6).
    REQUIRE(jobs->size() == 2);
    CHECK((*jobs)[0].kind == "render");
    CHECK((*jobs)[1].kind == "preview");

    // A second start finds nothing to do and enqueues nothing twice.
    CHECK(recover_sessions(catalog, layout).empty());
    CHECK(catalog.jobs_of(info.id)->size() == 2);
}

TEST_CASE("recover_sessions finishes the catalog of a recording finalised only on disk", "[integration][ingest][recorder]") {
    tafel::test::TempDir dir("tafel-recovery-catalog");
    const storage::Layout layout(dir.path());
    ingest::test::FakeCatalog catalog;
    auto info = dead_recording(layout, catalog, 3, {});
    info.stopped = WallTime{info.started.utc_us + 5'000'000};
    REQUIRE(write_recording_info(layout.raw_dir(info.id), info));   // died before the catalog update
    const auto recovered = recover_sessions(catalog, layout);
    REQUIRE(recovered.size() == 1);
    CHECK((**catalog.recording(info.id)).state == storage::RecordingState::stopped);
    CHECK(catalog.jobs_of(info.id)->size() == 2); // render + audio-only preview
}
