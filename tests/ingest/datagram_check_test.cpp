#include "ingest/datagram_check.hpp"
#include "packet_builder.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace tafel::ingest;
namespace t = tafel::ingest::test;

namespace {
DatagramCheck check(const std::vector<std::uint8_t>& d) { return check_datagram(Bytes(d.data(), d.size())); }
std::vector<std::uint8_t> stun_binding() {
    // RFC 8489 5: type 0x0001, length 0, magic cookie 0x2112A442, 96-bit transaction id.
    return {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
}
} // namespace

TEST_CASE("check_datagram accepts RTP and reads its header fields", "[unit][ingest]") {
    t::RtpFields f;
    f.seq = 65535;
    f.timestamp = 0xfffffff0;
    f.ssrc = 0xcafebabe;
    f.payload_type = 111;
    f.csrcs = {1, 2};
    f.extension = true;
    f.extension_data = {0x10, 0xaa, 0, 0};
    f.padding = 4;
    const auto c = check(t::rtp(f, {1, 2, 3}));
    REQUIRE(c.kind == DatagramCheck::Kind::rtp);
    CHECK(c.rtp.sequence_number == 65535);
    CHECK(c.rtp.timestamp == 0xfffffff0);
    CHECK(c.rtp.ssrc == 0xcafebabe);
    CHECK(c.rtp.payload_type == 111);
    CHECK(c.rtp.payload_offset == 12 + 8 + 8);
    CHECK(c.rtp.payload_size == 3);
}

TEST_CASE("check_datagram accepts an RTCP compound", "[unit][ingest]") {
    CHECK(check(t::rtcp_sr(1, 0x1234567890abcdefULL, 9000)).kind == DatagramCheck::Kind::rtcp);
}

TEST_CASE("check_datagram names the reason of every malformed or foreign datagram", "[unit][ingest]") {
    t::RtpFields f;
    const auto good = t::rtp(f, {1, 2, 3, 4});
    struct Case {
        const char* name;
        std::vector<std::uint8_t> bytes;
        DropReason reason;
    };
    auto with = [&](auto edit) {
        auto b = good;
        edit(b);
        return b;
    };
    auto sr = t::rtcp_sr(1, 0, 0, false);
    const std::vector<Case> cases = {
        {"empty", {}, DropReason::truncated},
        {"shorter than the fixed header", {0x80, 0x60, 0x00}, DropReason::truncated},
        {"11 bytes", std::vector<std::uint8_t>(good.begin(), good.begin() + 11), DropReason::truncated},
        {"version 1", with([](auto& b) { b[0] = 0x40; }), DropReason::version},
        {"version 3", with([](auto& b) { b[0] = 0xc0; }), DropReason::version},
        {"15 CSRCs in a 16-byte packet", with([](auto& b) { b[0] = 0x8f; }), DropReason::csrc_overflow},
        {"extension header beyond the end", std::vector<std::uint8_t>{0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xbe, 0xde},
         DropReason::extension_overflow},
        {"extension length beyond the end", std::vector<std::uint8_t>{0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xbe, 0xde, 0, 9, 1, 2, 3, 4},
         DropReason::extension_overflow},
        {"padding larger than the payload", with([](auto& b) { b[0] |= 0x20; b.back() = 5; }), DropReason::padding_overflow},
        {"padding count 0", with([](auto& b) { b[0] |= 0x20; b.back() = 0; }), DropReason::padding_overflow},
        {"RTCP length beyond the end", with([&](auto& b) { b = sr; b[3] = 40; }), DropReason::truncated},
        {"RTCP of 3 bytes", std::vector<std::uint8_t>{0x80, 200, 0}, DropReason::truncated},
        {"RTCP compound with a torn second packet",
         with([&](auto& b) { b = sr; b.insert(b.end(), {0x81, 202, 0, 5, 0, 0, 0, 1}); }), DropReason::malformed_rtcp},
        {"STUN binding request", stun_binding(), DropReason::stun},
        {"first byte 1 without the magic cookie", with([](auto& b) { b[0] = 1; }), DropReason::unknown},
        {"DTLS handshake (22)", std::vector<std::uint8_t>{22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, DropReason::dtls},
        {"DTLS first byte 63", std::vector<std::uint8_t>{63, 1, 2}, DropReason::dtls},
        {"first byte 19", std::vector<std::uint8_t>{19, 1, 2}, DropReason::unknown},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        const auto r = check(c.bytes);
        CHECK(r.kind == DatagramCheck::Kind::drop);
        CHECK(to_string(r.reason) == to_string(c.reason));
    }
}

TEST_CASE("check_datagram never reads past a datagram cut at any length", "[unit][ingest]") {
    t::RtpFields f;
    f.csrcs = {7};
    f.extension = true;
    f.extension_data = {1, 2, 3, 4, 5, 6, 7, 8};
    f.padding = 3;
    const auto full = t::rtp(f, {9, 9, 9});
    for (std::size_t n = 0; n < full.size(); ++n) {
        // A heap copy of exactly n bytes, so that ASan sees any read beyond it.
        std::vector<std::uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
        cut.shrink_to_fit();
        INFO(n);
        CHECK(check(cut).kind == DatagramCheck::Kind::drop);
    }
    CHECK(check(full).kind == DatagramCheck::Kind::rtp);
}
