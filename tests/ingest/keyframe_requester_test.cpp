#include "ingest/keyframe_requester.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace tafel;
using namespace tafel::ingest;

namespace {

constexpr std::int64_t k_ms = 1'000'000;

// VP8 payloads (RFC 7741 4.2 descriptor + the first byte of the frame tag, RFC 6386 9.1).
const std::vector<std::uint8_t> k_key_start{0x10, 0x00, 0x9d};            // S=1 PID=0, P=0
const std::vector<std::uint8_t> k_delta_start{0x10, 0x01, 0x9d};          // S=1 PID=0, P=1
const std::vector<std::uint8_t> k_continuation{0x00, 0xaa, 0xbb};         // S=0
const std::vector<std::uint8_t> k_key_with_picture_id{0x90, 0x80, 0x81, 0x23, 0x00};   // X, I, 15-bit PictureID

Bytes b(const std::vector<std::uint8_t>& v) { return Bytes(v.data(), v.size()); }

struct Feed {
    RtpStreamStats stats{90000};
    KeyframeRequester requester{KeyframeRequester::Options{}};
    int requests = 0;
    bool packet(std::uint16_t seq, const std::vector<std::uint8_t>& payload, std::int64_t t_ms) {
        const auto u = stats.on_rtp(42, seq, seq * 3000u, ArrivalTime{t_ms * k_ms});
        const bool r = requester.on_rtp(42, b(payload), u, stats, ArrivalTime{t_ms * k_ms});
        requests += r ? 1 : 0;
        return r;
    }
};

} // namespace

TEST_CASE("VP8 key frames are recognised from the payload descriptor", "[unit][ingest]") {
    CHECK(vp8_starts_keyframe(b(k_key_start)));
    CHECK(vp8_starts_keyframe(b(k_key_with_picture_id)));
    CHECK_FALSE(vp8_starts_keyframe(b(k_delta_start)));
    CHECK_FALSE(vp8_starts_keyframe(b(k_continuation)));
    CHECK_FALSE(vp8_starts_keyframe(b(std::vector<std::uint8_t>{0x90, 0x80, 0x81})));   // descriptor only
    CHECK_FALSE(vp8_starts_keyframe(b(std::vector<std::uint8_t>{0x11, 0x00})));         // PID 1
    CHECK(vp8_starts_frame(b(k_delta_start)));
}

TEST_CASE("a stream that starts without a key frame gets one PLI per second until one comes", "[unit][ingest]") {
    Feed f;
    CHECK(f.packet(0, k_delta_start, 0));
    CHECK_FALSE(f.packet(1, k_continuation, 10));
    CHECK_FALSE(f.packet(2, k_delta_start, 500));    // still no key frame, but within the second
    CHECK(f.packet(3, k_delta_start, 1000));         // a second later: asked again
    CHECK_FALSE(f.packet(4, k_key_start, 1100));
    CHECK_FALSE(f.packet(5, k_delta_start, 2500));   // after the key frame: nothing
    CHECK(f.requests == 2);
}

TEST_CASE("a gap repaired within the reorder window asks for nothing - one not repaired asks once", "[unit][ingest]") {
    Feed f;
    CHECK_FALSE(f.packet(65534, k_key_start, 0));
    // 65535 is late by 30 ms (within the 100-ms window); the wrap is crossed meanwhile.
    CHECK_FALSE(f.packet(0, k_delta_start, 20));
    CHECK_FALSE(f.packet(65535, k_continuation, 30));
    CHECK_FALSE(f.packet(1, k_delta_start, 200));
    // 2 and 3 never come.
    CHECK_FALSE(f.packet(4, k_delta_start, 210));
    CHECK_FALSE(f.packet(5, k_delta_start, 300));
    CHECK(f.packet(6, k_delta_start, 311));   // the window of the gap has passed
    CHECK_FALSE(f.packet(7, k_delta_start, 400));
    CHECK(f.requests == 1);
}

TEST_CASE("a loss during the rate limit is requested when the second is over, unless a key frame came", "[unit][ingest]") {
    Feed f;
    CHECK(f.packet(10, k_delta_start, 0));   // start without a key frame
    CHECK_FALSE(f.packet(11, k_key_start, 50));
    CHECK_FALSE(f.packet(13, k_delta_start, 100));   // 12 lost
    CHECK_FALSE(f.packet(14, k_delta_start, 300));   // window passed, but the last PLI was 300 ms ago
    CHECK(f.packet(15, k_delta_start, 1000));        // held back until now
    CHECK_FALSE(f.packet(17, k_delta_start, 1100));  // 16 lost …
    CHECK_FALSE(f.packet(18, k_key_start, 1150));    // … but a key frame followed
    CHECK_FALSE(f.packet(19, k_delta_start, 2500));
    CHECK(f.requests == 2);
}

TEST_CASE("build_pli writes RFC 4585 PSFB FMT 1", "[unit][ingest]") {
    const auto p = build_pli(0x01020304, 0xa0b0c0d0);
    CHECK(p == std::array<std::uint8_t, 12>{0x81, 206, 0, 2, 1, 2, 3, 4, 0xa0, 0xb0, 0xc0, 0xd0});
}
