#include "ingest/rtp_packet.hpp"
#include "packet_builder.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace tafel::ingest;
using tafel::Errc;

namespace {
const std::vector<std::uint8_t> k_payload{0xde, 0xad, 0xbe, 0xef, 0x01};
}

TEST_CASE("RTP headers parse field by field", "[unit][ingest][rtp]") {
    struct Case {
        const char* name;
        test::RtpFields fields;
    };
    test::RtpFields plain;
    plain.marker = true;
    plain.payload_type = 111;
    plain.seq = 65535;
    plain.timestamp = 0xfffffff0u;
    plain.ssrc = 0xcafebabe;
    test::RtpFields csrcs = plain;
    csrcs.csrcs = {1, 2, 3};
    test::RtpFields fifteen = plain;
    for (std::uint32_t i = 0; i < 15; ++i) fifteen.csrcs.push_back(100 + i);
    test::RtpFields ext = plain;
    ext.extension = true;
    ext.extension_data = {0x10, 0xaa, 0, 0, 0x22, 0xbb, 0xcc, 0};   // RFC 8285 one-byte elements
    test::RtpFields empty_ext = plain;
    empty_ext.extension = true;
    empty_ext.extension_profile = 0x1000;                               // RFC 8285 two-byte form
    test::RtpFields padded = plain;
    padded.padding = 4;
    test::RtpFields all = ext;
    all.csrcs = {7};
    all.padding = 1;

    const Case cases[] = {{"plain", plain},          {"3 CSRCs", csrcs},   {"15 CSRCs", fifteen},
                          {"extension", ext},        {"empty extension", empty_ext},
                          {"padding", padded},       {"everything", all}};
    for (const auto& c : cases) {
        INFO(c.name);
        const auto bytes = test::rtp(c.fields, k_payload);
        auto p = RtpPacket::parse(bytes);
        REQUIRE(p);
        CHECK(p->version == 2);
        CHECK(p->marker == c.fields.marker);
        CHECK(p->payload_type == c.fields.payload_type);
        CHECK(p->sequence_number == c.fields.seq);
        CHECK(p->timestamp == c.fields.timestamp);
        CHECK(p->ssrc == c.fields.ssrc);
        REQUIRE(p->csrc_count == c.fields.csrcs.size());
        for (std::size_t i = 0; i < c.fields.csrcs.size(); ++i) CHECK(p->csrcs[i] == c.fields.csrcs[i]);
        CHECK(p->extension == c.fields.extension);
        if (c.fields.extension) {
            REQUIRE(p->header_extension);
            CHECK(p->header_extension->profile == c.fields.extension_profile);
            CHECK(std::vector<std::uint8_t>(p->header_extension->data.begin(), p->header_extension->data.end()) ==
                  c.fields.extension_data);
        } else {
            CHECK_FALSE(p->header_extension);
        }
        CHECK(p->padding == (c.fields.padding != 0));
        CHECK(std::vector<std::uint8_t>(p->payload.begin(), p->payload.end()) == k_payload);
    }
}

TEST_CASE("malformed RTP packets are rejected with the reason", "[unit][ingest][rtp]") {
    test::RtpFields f;
    auto expect = [](std::vector<std::uint8_t> bytes, const std::string& reason) {
        auto p = RtpPacket::parse(bytes);
        REQUIRE_FALSE(p);
        CHECK(p.error().code == Errc::malformed_input);
        CHECK_THAT(p.error().message, Catch::Contains(reason));
    };
    SECTION("version") {
        auto b = test::rtp(f, k_payload);
        b[0] = static_cast<std::uint8_t>((b[0] & 0x3f) | 0x40);
        expect(b, "version is 1");
    }
    SECTION("CSRCs beyond the datagram") {
        auto b = test::rtp(f, {});
        b[0] |= 0x02;
        expect(b, "2 CSRCs");
    }
    SECTION("extension length beyond the datagram") {
        f.extension = true;
        f.extension_data = {1, 2, 3, 4};
        auto b = test::rtp(f, {});
        b[15] = 9;   // 36 bytes claimed
        expect(b, "extension of 36 bytes");
    }
    SECTION("padding count 0") {
        f.padding = 2;
        auto b = test::rtp(f, k_payload);
        b.back() = 0;
        expect(b, "padding count is 0");
    }
    SECTION("padding beyond the payload") {
        f.padding = 2;
        auto b = test::rtp(f, k_payload);
        b.back() = 20;
        expect(b, "padding of 20 bytes");
    }
}

TEST_CASE("an RTP packet truncated at every length is rejected, never over-read", "[unit][ingest][rtp]") {
    test::RtpFields f;
    f.csrcs = {1, 2};
    f.extension = true;
    f.extension_data = {1, 2, 3, 4, 5, 6, 7, 8};
    const auto full = test::rtp(f, {});   // header ends exactly at the end: empty payload
    REQUIRE(RtpPacket::parse(full));
    for (std::size_t n = 0; n < full.size(); ++n) {
        INFO("length " << n);
        const std::vector<std::uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
        auto p = RtpPacket::parse(cut);
        REQUIRE_FALSE(p);
        CHECK(p.error().code == Errc::malformed_input);
    }
}

TEST_CASE("rtcp-mux demultiplexing looks at the second byte (RFC 5761 4)", "[unit][ingest][rtp]") {
    test::RtpFields f;
    f.payload_type = 96;
    CHECK_FALSE(looks_like_rtcp(test::rtp(f, k_payload)));
    f.marker = true;
    f.payload_type = 127;
    CHECK_FALSE(looks_like_rtcp(test::rtp(f, k_payload)));
    CHECK(looks_like_rtcp(test::rtcp_sr(1, 0, 0)));
    const std::vector<std::uint8_t> rr{0x80, 201, 0, 1, 0, 0, 0, 1};
    CHECK(looks_like_rtcp(rr));
    // STUN (RFC 5389): first two bits 0.
    const std::vector<std::uint8_t> stun{0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42};
    CHECK_FALSE(looks_like_rtcp(stun));
}
