#include "depacketizer_driver.hpp"
#include "ingest/h264_depacketizer.hpp"

#include <catch2/catch.hpp>

using namespace tafel;
using namespace tafel::ingest;

namespace {

using ByteVec = std::vector<std::uint8_t>;

const ByteVec k_sps{0x67, 0x42, 0xc0, 0x1e, 0xd9};
const ByteVec k_sps2{0x67, 0x42, 0xc0, 0x28, 0xda};   // another resolution
const ByteVec k_pps{0x68, 0xce, 0x3c, 0x80};

// A coded slice: NAL header (NRI 3 or 2), then a slice header starting with
// first_mb_in_slice = 0 (bit 1) or not (bit 0), then `tag`.
ByteVec slice(bool idr, std::uint8_t tag, bool first = true) {
    return {static_cast<std::uint8_t>(idr ? 0x65 : 0x41), static_cast<std::uint8_t>(first ? 0x88 : 0x48), tag};
}

ByteVec annex_b(const std::vector<ByteVec>& nals) {
    ByteVec out;
    for (const auto& n : nals) {
        out.insert(out.end(), {0, 0, 0, 1});
        out.insert(out.end(), n.begin(), n.end());
    }
    return out;
}

ByteVec stap_a(const std::vector<ByteVec>& nals) {
    ByteVec p{0x78};   // F=0, NRI=3, type 24
    for (const auto& n : nals) {
        p.push_back(static_cast<std::uint8_t>(n.size() >> 8));
        p.push_back(static_cast<std::uint8_t>(n.size()));
        p.insert(p.end(), n.begin(), n.end());
    }
    return p;
}

// RFC 6184 5.8: the NAL unit split after its header into `parts` fragments.
std::vector<ByteVec> fu_a(const ByteVec& nal, std::size_t parts) {
    std::vector<ByteVec> out;
    const std::size_t body = nal.size() - 1;
    std::size_t off = 1;
    for (std::size_t i = 0; i < parts; ++i) {
        const std::size_t n = i == parts - 1 ? nal.size() - off : body / parts;
        ByteVec p{static_cast<std::uint8_t>((nal[0] & 0xe0) | 28),
                  static_cast<std::uint8_t>((i == 0 ? 0x80 : 0) | (i == parts - 1 ? 0x40 : 0) | (nal[0] & 0x1f))};
        p.insert(p.end(), nal.begin() + static_cast<std::ptrdiff_t>(off), nal.begin() + static_cast<std::ptrdiff_t>(off + n));
        off += n;
        out.push_back(std::move(p));
    }
    return out;
}

ByteVec big_idr(std::uint8_t tag) {
    ByteVec n = slice(true, tag);
    for (int i = 0; i < 30; ++i) n.push_back(static_cast<std::uint8_t>(i));
    return n;
}

} // namespace

TEST_CASE("H.264 mode 0: single NAL unit packets form Annex B access units", "[unit][ingest][h264]") {
    test::PayloadStream s;
    s.add(0, false, k_sps);
    s.add(0, false, k_pps);
    s.add(0, true, slice(true, 1));
    s.add(3000, true, slice(false, 2));
    s.add(6000, false, slice(false, 3, true));   // a picture of two slices
    s.add(6000, true, slice(false, 4, false));
    H264Depacketizer d;
    TrackStats stats;
    const auto frames = s.run(d, stats);
    REQUIRE(frames.size() == 3);
    CHECK(frames[0].keyframe);
    CHECK(frames[0].data == annex_b({k_sps, k_pps, slice(true, 1)}));
    CHECK_FALSE(frames[1].keyframe);
    CHECK(frames[1].data == annex_b({slice(false, 2)}));
    CHECK(frames[2].data == annex_b({slice(false, 3), slice(false, 4, false)}));
    CHECK(stats.frames_dropped == 0);
    CHECK(stats.malformed == 0);
}

TEST_CASE("H.264 mode 1: STAP-A and FU-A reassemble", "[unit][ingest][h264]") {
    test::PayloadStream s;
    s.add(0, true, stap_a({k_sps, k_pps, slice(true, 1)}));   // seq 1000
    const ByteVec idr = big_idr(2);
    for (const auto& p : fu_a(idr, 3)) s.add(3000, false, p);   // 1001-1003
    s.packets.back().marker = true;
    s.add(6000, true, slice(false, 3));                        // 1004
    const auto fragments = fu_a(slice(false, 4), 2);
    s.add(9000, false, fragments[0]);                          // 1005
    s.add(9000, true, fragments[1]);                           // 1006
    s.add(12000, true, slice(false, 5));                       // 1007

    SECTION("no loss: the FU-A's NAL header is rebuilt from indicator and header") {
        H264Depacketizer d;
        TrackStats stats;
        const auto frames = s.run(d, stats);
        REQUIRE(frames.size() == 5);
        CHECK(frames[0].data == annex_b({k_sps, k_pps, slice(true, 1)}));
        // An IDR without parameter sets of its own gets the latest ones in front.
        CHECK(frames[1].data == annex_b({k_sps, k_pps, idr}));
        CHECK(frames[1].keyframe);
        CHECK(frames[3].data == annex_b({slice(false, 4)}));
    }
    struct Case {
        const char* name;
        std::vector<std::int64_t> lost;
        std::vector<std::int64_t> timestamps;
        std::uint64_t dropped;
    };
    const Case cases[] = {
        {"a middle fragment lost", {1002}, {0}, 4},
        {"the last fragment lost: the next timestamp ends the unit", {1003}, {0}, 4},
        {"the first fragment lost", {1001}, {0}, 4},
        {"a whole non-IDR picture lost", {1004}, {0, 3000}, 2},
        {"the parameter sets were lost: nothing can be decoded", {1000}, {}, 4},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        H264Depacketizer d;
        TrackStats stats;
        CHECK(test::timestamps_of(s.run(d, stats, c.lost)) == c.timestamps);
        CHECK(stats.frames_dropped == c.dropped);
    }
}

TEST_CASE("H.264 keyframes need parameter sets - a new SPS replaces the old one", "[unit][ingest][h264]") {
    SECTION("an IDR before any SPS/PPS is dropped, and decoding starts at one that has them") {
        test::PayloadStream s;
        s.add(0, true, slice(true, 1));
        s.add(3000, true, slice(false, 2));
        s.add(6000, true, stap_a({k_sps, k_pps}));   // parameter sets alone, their own timestamp
        s.add(9000, true, slice(true, 3));
        H264Depacketizer d;
        TrackStats stats;
        const auto frames = s.run(d, stats);
        REQUIRE(frames.size() == 1);
        CHECK(frames[0].rtp_timestamp == 9000);
        CHECK(frames[0].data == annex_b({k_sps, k_pps, slice(true, 3)}));
        CHECK(stats.frames_dropped == 2);
    }
    SECTION("a resolution change: the IDR after a new SPS carries the new one") {
        test::PayloadStream s;
        s.add(0, true, stap_a({k_sps, k_pps, slice(true, 1)}));
        s.add(3000, true, stap_a({k_sps2, k_pps}));
        s.add(3000, true, slice(true, 2));   // the new parameter sets came in their own packet
        s.add(6000, true, slice(true, 3));
        H264Depacketizer d;
        TrackStats stats;
        const auto frames = s.run(d, stats);
        REQUIRE(frames.size() == 3);
        CHECK(frames[1].data == annex_b({k_sps2, k_pps, slice(true, 2)}));
        CHECK(frames[2].data == annex_b({k_sps2, k_pps, slice(true, 3)}));
    }
}

TEST_CASE("H.264 B-frames: access units leave in decoding order with their presentation timestamps",
          "[unit][ingest][h264]") {
    test::PayloadStream s;
    s.add(0, true, stap_a({k_sps, k_pps, slice(true, 1)}));
    s.add(9000, true, slice(false, 2));   // P
    s.add(3000, true, slice(false, 3));   // B
    s.add(6000, false, slice(false, 4));  // B, marker not set: the timestamp change ends it
    s.add(18000, true, slice(false, 5));
    H264Depacketizer d;
    TrackStats stats;
    const auto frames = s.run(d, stats);
    CHECK(test::timestamps_of(frames) == std::vector<std::int64_t>{0, 9000, 3000, 6000, 18000});
    CHECK(stats.frames_dropped == 0);
}

TEST_CASE("H.264 malformed and interleaved-mode packets break the access unit", "[unit][ingest][h264]") {
    struct Case {
        const char* name;
        ByteVec payload;
    };
    const Case cases[] = {
        {"empty", {}},
        {"forbidden bit set", {0xe5, 0x88, 1}},
        {"STAP-A size beyond the packet", {0x78, 0x00, 0x09, 0x65, 0x88}},
        {"STAP-A with a zero size", {0x78, 0x00, 0x00}},
        {"STAP-A with a dangling size byte", {0x78, 0x00, 0x01, 0x09, 0x00}},
        {"FU-A without a fragment", {0x7c, 0x85}},
        {"FU-A with S and E", {0x7c, 0xc5, 1, 2}},
        {"STAP-B (interleaved mode)", {0x79, 0x00, 0x00, 0x00, 0x02, 0x09, 0x10}},
        {"MTAP16", {0x7a, 0x00}},
        {"FU-B", {0x7d, 0x85, 0, 0, 1}},
        {"reserved type 0", {0x00, 0x01}},
        {"reserved type 31", {0x1f, 0x01}},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        test::PayloadStream s;
        s.add(0, true, stap_a({k_sps, k_pps, slice(true, 1)}));
        s.add(3000, false, slice(false, 2));
        s.add(3000, true, c.payload);
        s.add(6000, true, slice(false, 3));
        s.add(9000, true, slice(true, 4));
        H264Depacketizer d;
        TrackStats stats;
        CHECK(test::timestamps_of(s.run(d, stats)) == std::vector<std::int64_t>{0, 9000});
        CHECK(stats.malformed == 1);
        CHECK(stats.frames_dropped == 2);
    }
    SECTION("a picture whose first slice is missing is incomplete") {
        test::PayloadStream s;
        s.add(0, true, stap_a({k_sps, k_pps, slice(true, 1)}));
        s.add(3000, false, slice(false, 2, true));    // lost
        s.add(3000, true, slice(false, 3, false));
        s.add(6000, true, slice(false, 4));
        H264Depacketizer d;
        TrackStats stats;
        CHECK(test::timestamps_of(s.run(d, stats, {1001})) == std::vector<std::int64_t>{0});
        CHECK(stats.frames_dropped == 2);
    }
}
