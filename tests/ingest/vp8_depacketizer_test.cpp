#include "ingest/opus_depacketizer.hpp"
#include "ingest/vp8_depacketizer.hpp"

#include <catch2/catch.hpp>

using namespace tafel;
using namespace tafel::ingest;

TEST_CASE("VP8 payload descriptors parse (RFC 7741 4.2)", "[unit][ingest][vp8]") {
    struct Case {
        const char* name;
        std::vector<std::uint8_t> bytes;
        std::size_t size;
        bool start;
        int pid;
        int picture_id;   // -1: absent
        bool pid15;
        int tl0;          // -1: absent
        int tid;          // -1: absent
        int keyidx;       // -1: absent
    };
    const Case cases[] = {
        {"minimal start", {0x10, 0x9d}, 1, true, 0, -1, false, -1, -1, -1},
        {"continuation, partition 3", {0x03, 0x00}, 1, false, 3, -1, false, -1, -1, -1},
        {"7-bit PictureID", {0x90, 0x80, 0x15, 0x9d}, 3, true, 0, 0x15, false, -1, -1, -1},
        {"15-bit PictureID", {0x90, 0x80, 0x81, 0x23, 0x9d}, 4, true, 0, 0x0123, true, -1, -1, -1},
        {"I L T K all", {0x90, 0xf0, 0xff, 0xff, 0x07, 0xa5, 0x9d}, 6, true, 0, 0x7fff, true, 7, 2, 5},
        {"T only", {0x80, 0x20, 0x40, 0x01}, 3, false, 0, -1, false, -1, 1, -1},
        {"K only", {0x80, 0x10, 0x1f, 0x01}, 3, false, 0, -1, false, -1, -1, 31},
        {"L only", {0x80, 0x40, 0x09, 0x01}, 3, false, 0, -1, false, 9, -1, -1},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        auto d = Vp8Descriptor::parse(c.bytes);
        REQUIRE(d);
        CHECK(d->size == c.size);
        CHECK(d->start_of_partition == c.start);
        CHECK(d->partition_id == c.pid);
        CHECK(d->picture_id.has_value() == (c.picture_id >= 0));
        if (c.picture_id >= 0) CHECK(*d->picture_id == c.picture_id);
        CHECK(d->picture_id_15bit == c.pid15);
        CHECK(d->tl0_pic_idx.has_value() == (c.tl0 >= 0));
        if (c.tl0 >= 0) CHECK(*d->tl0_pic_idx == c.tl0);
        CHECK(d->temporal_id.has_value() == (c.tid >= 0));
        if (c.tid >= 0) CHECK(*d->temporal_id == c.tid);
        CHECK(d->key_idx.has_value() == (c.keyidx >= 0));
        if (c.keyidx >= 0) CHECK(*d->key_idx == c.keyidx);
        // Every truncation before the first payload byte is malformed.
        for (std::size_t n = 0; n <= c.size; ++n) {
            INFO("truncated to " << n);
            CHECK_FALSE(Vp8Descriptor::parse(Bytes(c.bytes.data(), n)));
        }
    }
}

namespace {

struct Vp8Stream {
    std::int64_t seq = 100;
    std::vector<std::vector<std::uint8_t>> storage;
    std::vector<MediaPacket> packets;

    // A frame of `parts` packets; the first payload byte's bit 0 is 0 on keyframes.
    void frame(std::int64_t ts, bool key, int parts, std::uint8_t tag) {
        for (int i = 0; i < parts; ++i) {
            std::vector<std::uint8_t> p{static_cast<std::uint8_t>(i == 0 ? 0x10 : 0x00)};
            if (i == 0) p.push_back(key ? 0x00 : 0x01);
            p.push_back(tag);
            p.push_back(static_cast<std::uint8_t>(i));
            storage.push_back(std::move(p));
            packets.push_back(MediaPacket{1, seq++, ts, i == parts - 1, ArrivalTime{ts}, {}});
        }
    }
    std::vector<EncodedFrame> run(TrackStats& stats, const std::vector<std::int64_t>& drop_seqs = {}) {
        Vp8Depacketizer d;
        std::vector<EncodedFrame> out;
        for (std::size_t i = 0; i < packets.size(); ++i) {
            if (std::find(drop_seqs.begin(), drop_seqs.end(), packets[i].sequence) != drop_seqs.end()) continue;
            auto p = packets[i];
            p.payload = Bytes(storage[i]);
            d.push(p, out, stats);
        }
        d.finish(out, stats);
        return out;
    }
};

} // namespace

TEST_CASE("VP8 frames reassemble on the marker and carry the keyframe flag", "[unit][ingest][vp8]") {
    Vp8Stream s;
    s.frame(0, true, 3, 0xa0);
    s.frame(3000, false, 2, 0xa1);
    s.frame(6000, false, 1, 0xa2);
    TrackStats stats;
    const auto frames = s.run(stats);
    REQUIRE(frames.size() == 3);
    CHECK(frames[0].keyframe);
    CHECK_FALSE(frames[1].keyframe);
    CHECK(frames[0].rtp_timestamp == 0);
    CHECK(frames[2].rtp_timestamp == 6000);
    // Descriptor bytes stripped, partitions concatenated.
    CHECK(frames[0].data == std::vector<std::uint8_t>{0x00, 0xa0, 0x00, 0xa0, 0x01, 0xa0, 0x02});
    CHECK(frames[0].arrival.ns == 0);
    CHECK(stats.frames == 3);
    CHECK(stats.frames_dropped == 0);
}

TEST_CASE("a VP8 frame with a lost packet is dropped and so are frames until the next keyframe",
          "[unit][ingest][vp8]") {
    Vp8Stream s;
    s.frame(0, true, 2, 1);        // seq 100-101
    s.frame(3000, false, 3, 2);    // seq 102-104: lose 103
    s.frame(6000, false, 1, 3);    // 105: references the broken frame
    s.frame(9000, true, 2, 4);     // 106-107: keyframe, decoding resumes
    s.frame(12000, false, 1, 5);   // 108
    TrackStats stats;
    const auto frames = s.run(stats, {103});
    REQUIRE(frames.size() == 3);
    CHECK(frames[0].rtp_timestamp == 0);
    CHECK(frames[1].rtp_timestamp == 9000);
    CHECK(frames[1].keyframe);
    CHECK(frames[2].rtp_timestamp == 12000);
    CHECK(stats.frames_dropped == 2);

    SECTION("a lost marker packet: the timestamp change ends the broken frame") {
        TrackStats st;
        const auto f = s.run(st, {104});
        REQUIRE(f.size() == 3);
        CHECK(f[1].rtp_timestamp == 9000);
        CHECK(st.frames_dropped == 2);
    }
    SECTION("a stream that starts without a keyframe waits for one") {
        TrackStats st;
        const auto f = s.run(st, {100, 101});
        REQUIRE(f.size() == 2);
        CHECK(f[0].rtp_timestamp == 9000);
        CHECK(st.frames_dropped == 2);
    }
}

TEST_CASE("Opus: every payload is one frame, empty payloads are malformed", "[unit][ingest][opus]") {
    OpusDepacketizer d;
    TrackStats stats;
    std::vector<EncodedFrame> out;
    const std::vector<std::uint8_t> a{0xfc, 1, 2}, b{0xfc, 3};
    d.push(MediaPacket{5, 1, 960, false, ArrivalTime{1}, Bytes(a)}, out, stats);
    d.push(MediaPacket{5, 3, 2880, false, ArrivalTime{2}, Bytes(b)}, out, stats);   // 2 lost: just missing
    d.push(MediaPacket{5, 4, 3840, false, ArrivalTime{3}, Bytes()}, out, stats);
    d.finish(out, stats);
    REQUIRE(out.size() == 2);
    CHECK(out[0].data == a);
    CHECK(out[1].rtp_timestamp == 2880);
    CHECK(stats.malformed == 1);
    CHECK(stats.frames == 2);
}

TEST_CASE("depacketizers are chosen by codec name, case-insensitively", "[unit][ingest]") {
    CHECK(Depacketizer::create("VP8"));
    CHECK(Depacketizer::create("vp8"));
    CHECK(Depacketizer::create("OPUS"));
    CHECK(Depacketizer::create("VP9"));
    CHECK(Depacketizer::create("h264"));
    auto av1 = Depacketizer::create("AV1");
    REQUIRE_FALSE(av1);
    CHECK(av1.error().code == Errc::unsupported);
    CHECK_THAT(av1.error().message, Catch::Contains("AV1"));
}
