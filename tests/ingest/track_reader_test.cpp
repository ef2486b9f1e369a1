#include "ingest/pcap_writer.hpp"
#include "ingest/track_reader.hpp"
#include "packet_builder.hpp"
#include "tests/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace tafel;
using namespace tafel::ingest;

namespace {

const ClockAnchor k_anchor{ArrivalTime{50'000'000'000}, WallTime{1'700'000'000'000'000}};
const UdpEndpoint k_sender{{127, 0, 0, 1}, 6000};
const UdpEndpoint k_recorder{{127, 0, 0, 1}, 40000};

struct Sent {
    std::vector<std::uint8_t> bytes;
    std::uint16_t seq = 0;
};

// 30 VP8 frames of 3 packets each, keyframes every 10th frame, starting just before both the
// sequence number and the timestamp wrap.
std::vector<Sent> vp8_stream() {
    std::vector<Sent> out;
    std::uint16_t seq = 65500;
    std::uint32_t ts = 0xffffffffu - 3000 * 5;
    for (int f = 0; f < 30; ++f, ts += 3000) {
        for (int i = 0; i < 3; ++i, ++seq) {
            ingest::test::RtpFields fields;
            fields.seq = seq;
            fields.timestamp = ts;
            fields.marker = i == 2;
            std::vector<std::uint8_t> payload{static_cast<std::uint8_t>(i == 0 ? 0x10 : 0x00)};
            if (i == 0) payload.push_back(f % 10 == 0 ? 0x00 : 0x01);
            payload.push_back(static_cast<std::uint8_t>(f));
            out.push_back(Sent{ingest::test::rtp(fields, payload), seq});
        }
    }
    return out;
}

} // namespace

TEST_CASE("TrackReader reassembles a VP8 track despite reordering, duplicates and loss",
          "[unit][ingest][track_reader]") {
    tafel::test::TempDir dir("tafel-track-vp8");
    std::filesystem::create_directories(dir.path() / "tracks");
    const TrackInfo track{"t1", MediaKind::video, "vp8", 96, 90000, 0, "teacher", 40000, "tracks/t1.pcap"};
    auto stream = vp8_stream();
    // Reorder: swap neighbours 10<->11 and 40<->44; duplicate 20; lose packet 61 (frame 20's
    // middle: frames 20..29 drop until... there is no later keyframe, so all of them).
    std::swap(stream[10], stream[11]);
    std::swap(stream[40], stream[44]);
    stream.insert(stream.begin() + 25, stream[20]);
    const std::uint16_t lost_seq = static_cast<std::uint16_t>(65500 + 61);
    std::erase_if(stream, [&](const Sent& s) { return s.seq == lost_seq; });
    // Also junk that must be skipped: garbage, an RTP packet of another payload type.
    ingest::test::RtpFields rtx;
    rtx.payload_type = 97;
    rtx.seq = 7;
    const std::uint32_t first_ts = 0xffffffffu - 3000 * 5;
    {
        auto w = PcapWriter::create(dir.path() / track.file, k_anchor);
        REQUIRE(w);
        std::int64_t t = k_anchor.arrival.ns;
        // A sender report before the first RTP packet, one frame ahead of it.
        REQUIRE(w->append(
            ArrivalTime{t}, k_sender, k_recorder,
            ingest::test::rtcp_sr(0x11223344, ntp_from_wall(WallTime{1'700'000'000'500'000}), first_ts + 3000)));
        for (std::size_t i = 0; i < stream.size(); ++i) {
            t += 1'000'000;
            REQUIRE(w->append(ArrivalTime{t}, k_sender, k_recorder, stream[i].bytes));
            if (i == 30) {
                // After the timestamp wrap: RTP timestamp of frame 9 (wrapped to a small value).
                REQUIRE(w->append(ArrivalTime{t}, k_sender, k_recorder,
                                  ingest::test::rtcp_sr(0x11223344, ntp_from_wall(WallTime{1'700'000'001'000'000}),
                                                        first_ts + 9 * 3000)));
                const std::vector<std::uint8_t> junk{0x00, 0x01, 0x02};
                REQUIRE(w->append(ArrivalTime{t}, k_sender, k_recorder, junk));
                REQUIRE(w->append(ArrivalTime{t}, k_sender, k_recorder, ingest::test::rtp(rtx, {1, 2, 3})));
            }
        }
        // Not closed: the reader must find the .tmp.
        REQUIRE(w->flush());
        auto reader = TrackReader::open(dir.path(), track, k_anchor);
        REQUIRE(reader);
        std::vector<EncodedFrame> frames;
        for (;;) {
            auto f = (*reader)->next();
            REQUIRE(f);
            if (!*f) break;
            frames.push_back(std::move(**f));
        }
        // Frames 0..19 survive; frame 20 lost a packet and 21..29 wait for a keyframe in vain.
        REQUIRE(frames.size() == 20);
        for (std::size_t i = 0; i < frames.size(); ++i) {
            INFO("frame " << i);
            CHECK(frames[i].rtp_timestamp == std::int64_t{first_ts} + 3000 * static_cast<std::int64_t>(i));
            CHECK(frames[i].keyframe == (i % 10 == 0));
            const auto tag = static_cast<std::uint8_t>(i);   // every packet carries its frame number
            CHECK(frames[i].data == std::vector<std::uint8_t>{static_cast<std::uint8_t>(i % 10 == 0 ? 0 : 1), tag, tag, tag});
            CHECK(frames[i].ssrc == 0x11223344u);
        }
        CHECK(frames[6].rtp_timestamp > 0xffffffffll);   // unwrapped past 2^32
        const auto& stats = (*reader)->stats();
        CHECK(stats.duplicates == 1);
        CHECK(stats.lost == 1);
        CHECK(stats.frames == 20);
        CHECK(stats.frames_dropped == 10);
        CHECK(stats.malformed == 1);
        CHECK(stats.other_payload_type == 1);
        CHECK(stats.rtcp_packets == 2);
        const auto& srs = (*reader)->sender_reports();
        REQUIRE(srs.size() == 2);
        CHECK(srs[0].rtp_timestamp == std::int64_t{first_ts} + 3000);
        CHECK(srs[0].ntp_time.utc_us == 1'700'000'000'500'000);
        CHECK(srs[0].arrival == k_anchor.arrival);
        CHECK(srs[1].rtp_timestamp == std::int64_t{first_ts} + 9 * 3000);
        CHECK(srs[1].rtp_timestamp > 0xffffffffll);
    }
}

TEST_CASE("TrackReader reads an Opus track packet by packet", "[unit][ingest][track_reader]") {
    tafel::test::TempDir dir("tafel-track-opus");
    const TrackInfo track{"t2", MediaKind::audio, "opus", 111, 48000, 2, "teacher", 40002, "t2.pcap"};
    {
        auto w = PcapWriter::create(dir.path() / track.file, k_anchor);
        REQUIRE(w);
        for (std::uint16_t i = 0; i < 50; ++i) {
            ingest::test::RtpFields f;
            f.payload_type = 111;
            f.seq = i;
            f.timestamp = 960u * i;
            f.marker = i == 0;
            REQUIRE(w->append(ArrivalTime{k_anchor.arrival.ns + i * 20'000'000ll}, k_sender, k_recorder,
                              ingest::test::rtp(f, {0xfc, static_cast<std::uint8_t>(i)})));
        }
        REQUIRE(w->close());
    }
    auto reader = TrackReader::open(dir.path(), track, k_anchor);
    REQUIRE(reader);
    int n = 0;
    for (;; ++n) {
        auto f = (*reader)->next();
        REQUIRE(f);
        if (!*f) break;
        CHECK((*f)->rtp_timestamp == 960 * n);
        CHECK((*f)->data == std::vector<std::uint8_t>{0xfc, static_cast<std::uint8_t>(n)});
        CHECK((*f)->arrival.ns == k_anchor.arrival.ns + n * 20'000'000ll);
    }
    CHECK(n == 50);
    CHECK((*reader)->sender_reports().empty());
}

TEST_CASE("TrackReader rejects unknown codecs and missing files by name", "[unit][ingest][track_reader]") {
    tafel::test::TempDir dir("tafel-track-errors");
    TrackInfo track{"t9", MediaKind::video, "H265", 98, 90000, 0, "teacher", 40000, "tracks/t9.pcap"};
    auto r = TrackReader::open(dir.path(), track, k_anchor);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::unsupported);
    CHECK_THAT(r.error().message, Catch::Contains("H265"));
    track.codec = "VP8";
    r = TrackReader::open(dir.path(), track, k_anchor);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::not_found);
    CHECK_THAT(r.error().message, Catch::Contains("t9.pcap"));
}
