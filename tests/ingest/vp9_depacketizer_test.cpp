#include "depacketizer_driver.hpp"
#include "ingest/vp9_depacketizer.hpp"

#include <catch2/catch.hpp>

using namespace tafel;
using namespace tafel::ingest;

TEST_CASE("VP9 payload descriptors parse (RFC 9628 4.2)", "[unit][ingest][vp9]") {
    struct Case {
        const char* name;
        std::vector<std::uint8_t> bytes;
        std::size_t size;
        bool begin, end, inter, flexible;
        int picture_id;   // -1: absent
        int tid, sid, tl0;   // tl0 -1: absent
        int refs;
        int spatial_layers;   // -1: no scalability structure
    };
    const Case cases[] = {
        {"minimal, B and E", {0x0c, 0x82}, 1, true, true, false, false, -1, 0, 0, -1, 0, -1},
        {"7-bit picture ID, inter", {0xc8, 0x15, 0x00}, 2, true, false, true, false, 0x15, 0, 0, -1, 0, -1},
        {"15-bit picture ID", {0x84, 0x81, 0x23, 0x00}, 3, false, true, false, false, 0x0123, 0, 0, -1, 0, -1},
        {"non-flexible layers + TL0PICIDX", {0x2c, 0x42, 0x07, 0x00}, 3, true, true, false, false, -1, 2, 1, 7, 0, -1},
        {"flexible, two P_DIFF", {0xf8, 0x05, 0x22, 0x03, 0x04, 0x00}, 5, true, false, true, true, 5, 1, 1, -1, 2, -1},
        {"flexible, three P_DIFF", {0x58, 0x03, 0x05, 0x06, 0x00}, 4, true, false, true, true, -1, 0, 0, -1, 3, -1},
        {"scalability structure: 2 layers, sizes, one group entry",
         {0x0e, 0x38, 0x01, 0x40, 0x00, 0xb4, 0x02, 0x80, 0x01, 0x68, 0x01, 0x04, 0x01, 0x00},
         13, true, true, false, false, -1, 0, 0, -1, 0, 2},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        auto d = Vp9Descriptor::parse(c.bytes);
        REQUIRE(d);
        CHECK(d->size == c.size);
        CHECK(d->begin == c.begin);
        CHECK(d->end == c.end);
        CHECK(d->inter_picture == c.inter);
        CHECK(d->flexible == c.flexible);
        CHECK(d->picture_id.has_value() == (c.picture_id >= 0));
        if (c.picture_id >= 0) CHECK(*d->picture_id == c.picture_id);
        CHECK(d->temporal_id == c.tid);
        CHECK(d->spatial_id == c.sid);
        CHECK(d->tl0_pic_idx.has_value() == (c.tl0 >= 0));
        if (c.tl0 >= 0) CHECK(*d->tl0_pic_idx == c.tl0);
        CHECK(d->reference_count == c.refs);
        CHECK(d->spatial_layers.has_value() == (c.spatial_layers >= 0));
        if (c.spatial_layers >= 0) CHECK(*d->spatial_layers == c.spatial_layers);
        for (std::size_t n = 0; n <= c.size; ++n) {
            INFO("truncated to " << n);
            CHECK_FALSE(Vp9Descriptor::parse(Bytes(c.bytes.data(), n)));
        }
    }
    SECTION("a fourth P_DIFF is malformed") {
        const std::vector<std::uint8_t> b{0x58, 0x03, 0x03, 0x03, 0x02, 0x00};
        CHECK_FALSE(Vp9Descriptor::parse(b));
    }
}

namespace {

// One packet of spatial layer `sid` in non-flexible mode: |I=1|P|L=1|F=0|B|E|V=0|Z=0|, a
// 15-bit picture ID, layer byte, TL0PICIDX, then the data.
std::vector<std::uint8_t> vp9(bool inter, int picture_id, int sid, bool begin, bool end, std::vector<std::uint8_t> data) {
    std::vector<std::uint8_t> p{static_cast<std::uint8_t>(0x80 | (inter ? 0x40 : 0) | 0x20 | (begin ? 0x08 : 0) | (end ? 0x04 : 0)),
                                static_cast<std::uint8_t>(0x80 | (picture_id >> 8)), static_cast<std::uint8_t>(picture_id),
                                static_cast<std::uint8_t>(sid << 1), 0x00};
    p.insert(p.end(), data.begin(), data.end());
    return p;
}

// A picture of `layers` spatial layers, each in `parts` packets; data bytes are tag, sid, part.
void picture(test::PayloadStream& s, std::int64_t ts, bool key, int layers, int parts, std::uint8_t tag) {
    for (int sid = 0; sid < layers; ++sid) {
        for (int i = 0; i < parts; ++i) {
            const bool last = sid == layers - 1 && i == parts - 1;
            s.add(ts, last, vp9(!key || sid > 0, static_cast<int>((ts / 3000 + 0x7ffe) & 0x7fff), sid, i == 0, i == parts - 1,
                                {tag, static_cast<std::uint8_t>(sid), static_cast<std::uint8_t>(i)}));
        }
    }
}

} // namespace

TEST_CASE("VP9 pictures reassemble - loss drops frames until the next keyframe", "[unit][ingest][vp9]") {
    test::PayloadStream s;
    picture(s, 0, true, 1, 2, 0xa0);       // seq 1000-1001
    picture(s, 3000, false, 1, 3, 0xa1);   // 1002-1004
    picture(s, 6000, false, 1, 1, 0xa2);   // 1005
    picture(s, 9000, true, 1, 2, 0xa3);    // 1006-1007
    picture(s, 12000, false, 1, 1, 0xa4);  // 1008
    struct Case {
        const char* name;
        std::vector<std::int64_t> lost;
        std::vector<std::int64_t> timestamps;
        std::uint64_t dropped;
    };
    const Case cases[] = {
        {"no loss", {}, {0, 3000, 6000, 9000, 12000}, 0},
        {"middle packet lost", {1003}, {0, 9000, 12000}, 2},
        {"marker packet lost: the timestamp change ends it", {1004}, {0, 9000, 12000}, 2},
        {"first packet of a frame lost", {1002}, {0, 9000, 12000}, 2},
        {"a whole frame lost before a keyframe", {1005}, {0, 3000, 9000, 12000}, 0},
        {"a whole frame lost: its successor's picture ID skips", {1002, 1003, 1004}, {0, 9000, 12000}, 1},
        {"the stream starts without its keyframe", {1000, 1001}, {9000, 12000}, 2},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        Vp9Depacketizer d;
        TrackStats stats;
        const auto frames = s.run(d, stats, c.lost);
        CHECK(test::timestamps_of(frames) == c.timestamps);
        CHECK(stats.frames_dropped == c.dropped);
        CHECK(stats.frames == c.timestamps.size());
        for (const auto& f : frames) CHECK(f.keyframe == (f.rtp_timestamp % 9000 == 0));
    }
    Vp9Depacketizer d;
    TrackStats stats;
    const auto frames = s.run(d, stats);
    // Descriptors stripped, packets of the frame concatenated.
    CHECK(frames[1].data == std::vector<std::uint8_t>{0xa1, 0, 0, 0xa1, 0, 1, 0xa1, 0, 2});
}

TEST_CASE("VP9 spatial layers: the highest complete layer is kept, joined as a superframe", "[unit][ingest][vp9]") {
    test::PayloadStream s;
    picture(s, 0, true, 2, 1, 0xb0);        // seq 1000 (L0), 1001 (L1)
    picture(s, 3000, false, 2, 2, 0xb1);    // 1002-1003 (L0), 1004-1005 (L1)
    picture(s, 6000, false, 2, 1, 0xb2);    // 1006, 1007
    picture(s, 9000, true, 2, 1, 0xb3);     // 1008, 1009
    Vp9Depacketizer d;
    TrackStats stats;

    SECTION("complete pictures carry both layers and a superframe index (VP9 Annex B)") {
        const auto frames = s.run(d, stats);
        REQUIRE(frames.size() == 4);
        CHECK(frames[0].keyframe);
        CHECK_FALSE(frames[1].keyframe);
        // Two frames of 3 bytes: marker 0b110 00 001 = 0xc1, sizes in one byte each.
        CHECK(frames[0].data == std::vector<std::uint8_t>{0xb0, 0, 0, 0xb0, 1, 0, 0xc1, 3, 3, 0xc1});
        CHECK(frames[1].data.size() == 6 + 6 + 4);
    }
    SECTION("a damaged upper layer leaves the base layer, until the next keyframe restores it") {
        const auto frames = s.run(d, stats, {1005});
        REQUIRE(frames.size() == 4);
        CHECK(frames[1].data == std::vector<std::uint8_t>{0xb1, 0, 0, 0xb1, 0, 1});
        // The next picture's upper layer predicts from the lost one: the base layer only.
        CHECK(frames[2].data == std::vector<std::uint8_t>{0xb2, 0, 0});
        CHECK(frames[3].data.size() == 10);
        CHECK(stats.frames_dropped == 0);
    }
    SECTION("a damaged base layer drops the picture and what follows until a keyframe") {
        const auto frames = s.run(d, stats, {1002});
        CHECK(test::timestamps_of(frames) == std::vector<std::int64_t>{0, 9000});
        CHECK(stats.frames_dropped == 2);
    }
}

TEST_CASE("VP9 flexible mode pictures reassemble", "[unit][ingest][vp9]") {
    test::PayloadStream s;
    // |I|P|L|F|B|E|V|Z| with a 15-bit picture ID; inter pictures carry one P_DIFF.
    s.add(0, false, {0x98, 0x80, 0x01, 0x11});
    s.add(0, true, {0x94, 0x80, 0x01, 0x12});
    s.add(3000, true, {0xdc, 0x80, 0x02, 0x02, 0x13});
    Vp9Depacketizer d;
    TrackStats stats;
    const auto frames = s.run(d, stats);
    REQUIRE(frames.size() == 2);
    CHECK(frames[0].keyframe);
    CHECK(frames[0].data == std::vector<std::uint8_t>{0x11, 0x12});
    CHECK(frames[1].data == std::vector<std::uint8_t>{0x13});
    CHECK(stats.malformed == 0);
}
