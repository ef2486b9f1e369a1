#include "ingest/rtcp_packet.hpp"
#include "packet_builder.hpp"

#include <catch2/catch.hpp>

using namespace tafel::ingest;

TEST_CASE("a compound SR + SDES parses the NTP and RTP timestamps and the CNAME", "[unit][ingest][rtcp]") {
    const std::uint64_t ntp = (std::uint64_t{3'900'000'000} << 32) | 0x80000000u;
    const auto bytes = test::rtcp_sr(0xabcdef01, ntp, 123456789);
    auto c = RtcpCompound::parse(bytes);
    REQUIRE(c);
    REQUIRE(c->sender_reports.size() == 1);
    CHECK(c->sender_reports[0].ssrc == 0xabcdef01);
    CHECK(c->sender_reports[0].ntp_timestamp == ntp);
    CHECK(c->sender_reports[0].rtp_timestamp == 123456789);
    CHECK(c->sender_reports[0].packet_count == 10);
    CHECK(c->sender_reports[0].octet_count == 1000);
    REQUIRE(c->cnames.size() == 1);
    CHECK(c->cnames[0].cname == "tafel");
    CHECK(c->cnames[0].ssrc == 0xabcdef01);
}

TEST_CASE("RR report blocks and BYE with a reason parse", "[unit][ingest][rtcp]") {
    std::vector<std::uint8_t> b{0x81, 201};
    test::put16(b, 7);
    test::put32(b, 0x01020304);         // sender of the RR
    test::put32(b, 0x0a0b0c0d);         // source
    b.push_back(64);                    // fraction lost 25 %
    b.insert(b.end(), {0xff, 0xff, 0xfe});   // cumulative lost -2
    test::put32(b, 70000);
    test::put32(b, 12);
    test::put32(b, 0x11112222);
    test::put32(b, 655);
    // BYE for one SSRC with reason "bye" (4 + 4 + 1 + 3 = 12 bytes, length 2).
    b.insert(b.end(), {0x81, 203});
    test::put16(b, 2);
    test::put32(b, 0x0a0b0c0d);
    b.insert(b.end(), {3, 'b', 'y', 'e'});
    auto c = RtcpCompound::parse(b);
    REQUIRE(c);
    REQUIRE(c->receiver_reports.size() == 1);
    REQUIRE(c->receiver_reports[0].reports.size() == 1);
    const auto& blk = c->receiver_reports[0].reports[0];
    CHECK(blk.ssrc == 0x0a0b0c0d);
    CHECK(blk.fraction_lost == 64);
    CHECK(blk.cumulative_lost == -2);
    CHECK(blk.highest_sequence == 70000);
    CHECK(blk.delay_since_last_sr == 655);
    REQUIRE(c->byes.size() == 1);
    CHECK(c->byes[0].ssrcs == std::vector<std::uint32_t>{0x0a0b0c0d});
    CHECK(c->byes[0].reason == "bye");
}

TEST_CASE("malformed RTCP is rejected, truncated at every length", "[unit][ingest][rtcp]") {
    const auto full = test::rtcp_sr(7, 1, 2);
    for (std::size_t n = 0; n < full.size(); ++n) {
        if (n == 28) continue;   // the SR alone, without the SDES: a valid compound
        INFO("length " << n);
        const std::vector<std::uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
        CHECK_FALSE(RtcpCompound::parse(cut));
    }
    auto bad_version = full;
    bad_version[0] = 0x40;
    auto r = RtcpCompound::parse(bad_version);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("version"));
    auto long_length = full;
    long_length[3] = 60;
    r = RtcpCompound::parse(long_length);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("claims"));
    // Feedback packets (RFC 4585 PSFB = 206, PLI) are skipped, not errors.
    std::vector<std::uint8_t> pli{0x81, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2};
    auto ok = RtcpCompound::parse(pli);
    REQUIRE(ok);
    CHECK(ok->other_packets == 1);
}
