#include "ingest/capture_file.hpp"
#include "tests/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace tafel;
using namespace tafel::ingest;

namespace {

using ByteVec = std::vector<std::uint8_t>;

void le16(ByteVec& b, std::uint32_t v) {
    b.push_back(static_cast<std::uint8_t>(v));
    b.push_back(static_cast<std::uint8_t>(v >> 8));
}
void le32(ByteVec& b, std::uint32_t v) {
    le16(b, v & 0xffff);
    le16(b, v >> 16);
}
void be16(ByteVec& b, std::uint32_t v) {
    b.push_back(static_cast<std::uint8_t>(v >> 8));
    b.push_back(static_cast<std::uint8_t>(v));
}
void be32(ByteVec& b, std::uint32_t v) {
    be16(b, v >> 16);
    be16(b, v & 0xffff);
}

ByteVec udp(std::uint16_t sport, std::uint16_t dport, const ByteVec& payload) {
    ByteVec b;
    be16(b, sport);
    be16(b, dport);
    be16(b, static_cast<std::uint32_t>(8 + payload.size()));
    be16(b, 0);
    b.insert(b.end(), payload.begin(), payload.end());
    return b;
}

ByteVec ipv4(std::uint8_t protocol, const ByteVec& body, std::uint16_t fragment = 0) {
    ByteVec b{0x45, 0};
    be16(b, static_cast<std::uint32_t>(20 + body.size()));
    be16(b, 1);
    be16(b, fragment);
    b.insert(b.end(), {64, protocol, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2});
    b.insert(b.end(), body.begin(), body.end());
    return b;
}

ByteVec ipv6(const ByteVec& body) {
    ByteVec b{0x60, 0, 0, 0};
    be16(b, static_cast<std::uint32_t>(body.size()));
    b.insert(b.end(), {17, 64});
    b.insert(b.end(), 32, 0xfe);
    b.insert(b.end(), body.begin(), body.end());
    return b;
}

ByteVec ethernet(std::uint16_t type, const ByteVec& body, bool vlan = false) {
    ByteVec b(12, 0xaa);
    if (vlan) {
        be16(b, 0x8100);
        be16(b, 7);
    }
    be16(b, type);
    b.insert(b.end(), body.begin(), body.end());
    return b;
}

ByteVec pcap_file(std::uint32_t linktype, const std::vector<ByteVec>& frames, bool big_endian = false, bool ns = false) {
    ByteVec b;
    auto u32 = [&](std::uint32_t v) { big_endian ? be32(b, v) : le32(b, v); };
    auto u16 = [&](std::uint32_t v) { big_endian ? be16(b, v) : le16(b, v); };
    u32(ns ? 0xa1b23c4d : 0xa1b2c3d4);
    u16(2);
    u16(4);
    u32(0);
    u32(0);
    u32(65535);
    u32(linktype);
    std::uint32_t i = 0;
    for (const auto& f : frames) {
        u32(1700000000 + i);
        u32(ns ? 123456789 : 123456);
        u32(static_cast<std::uint32_t>(f.size()));
        u32(static_cast<std::uint32_t>(f.size()));
        b.insert(b.end(), f.begin(), f.end());
        ++i;
    }
    return b;
}

void pcapng_block(ByteVec& b, std::uint32_t type, const ByteVec& body) {
    const auto total = static_cast<std::uint32_t>(12 + ((body.size() + 3) & ~std::size_t{3}));
    le32(b, type);
    le32(b, total);
    b.insert(b.end(), body.begin(), body.end());
    b.resize(b.size() + ((4 - body.size() % 4) % 4), 0);
    le32(b, total);
}

std::filesystem::path write(const tafel::test::TempDir& dir, const char* name, const ByteVec& bytes) {
    const auto path = dir.path() / name;
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return path;
}

std::vector<CapturedDatagram> read_all(const std::filesystem::path& path, std::uint64_t* skipped = nullptr) {
    auto f = CaptureFile::open(path);
    REQUIRE(f);
    std::vector<CapturedDatagram> out;
    for (;;) {
        auto d = f->next();
        REQUIRE(d);
        if (!*d) break;
        out.push_back(std::move(**d));
    }
    if (skipped) *skipped = f->skipped();
    return out;
}

const ByteVec k_payload{0x80, 0x60, 0x00, 0x01, 9, 9, 9, 9};

} // namespace

TEST_CASE("capture files: UDP datagrams from every link layer and both pcap byte orders", "[unit][ingest][capture]") {
    tafel::test::TempDir dir("tafel-capture");
    const ByteVec datagram = udp(5004, 40000, k_payload);
    struct Case {
        const char* name;
        ByteVec file;
        bool ipv6;
    };
    const Case cases[] = {
        {"Ethernet, little-endian µs", pcap_file(1, {ethernet(0x0800, ipv4(17, datagram))}), false},
        {"Ethernet with an 802.1Q tag", pcap_file(1, {ethernet(0x0800, ipv4(17, datagram), true)}), false},
        {"raw IPv4, big-endian ns", pcap_file(101, {ipv4(17, datagram)}, true, true), false},
        {"Linux cooked (SLL)", pcap_file(113, {[&] { ByteVec b(14, 0); be16(b, 0x0800); auto ip = ipv4(17, datagram); b.insert(b.end(), ip.begin(), ip.end()); return b; }()}), false},
        {"BSD loopback", pcap_file(0, {[&] { ByteVec b{2, 0, 0, 0}; auto ip = ipv4(17, datagram); b.insert(b.end(), ip.begin(), ip.end()); return b; }()}), false},
        {"Ethernet, IPv6", pcap_file(1, {ethernet(0x86dd, ipv6(datagram))}), true},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        const auto got = read_all(write(dir, "c.pcap", c.file));
        REQUIRE(got.size() == 1);
        CHECK(got[0].payload == k_payload);
        CHECK(got[0].source.port == 5004);
        CHECK(got[0].destination.port == 40000);
        CHECK(got[0].ipv6 == c.ipv6);
        if (!c.ipv6) CHECK(got[0].destination.ipv4 == std::array<std::uint8_t, 4>{10, 0, 0, 2});
        CHECK(got[0].wall_ns / 1'000'000'000 == 1700000000);
    }
}

TEST_CASE("capture files: pcapng sections, interfaces, timestamp resolution and other blocks", "[unit][ingest][capture]") {
    tafel::test::TempDir dir("tafel-capture");
    ByteVec f;
    ByteVec shb;
    le32(shb, 0x1a2b3c4d);
    le16(shb, 1);
    le16(shb, 0);
    le32(shb, 0xffffffff);
    le32(shb, 0xffffffff);
    pcapng_block(f, 0x0a0d0d0a, shb);
    ByteVec idb;   // Ethernet, if_tsresol = 9 (ns)
    le16(idb, 1);
    le16(idb, 0);
    le32(idb, 65535);
    le16(idb, 9);
    le16(idb, 1);
    idb.insert(idb.end(), {9, 0, 0, 0});
    le16(idb, 0);
    le16(idb, 0);
    pcapng_block(f, 1, idb);
    pcapng_block(f, 4, ByteVec{0, 0, 0, 0});   // name resolution: skipped
    const std::uint64_t ts = 1'700'000'000'123'456'789ULL;
    auto epb = [&](const ByteVec& frame) {
        ByteVec b;
        le32(b, 0);
        le32(b, static_cast<std::uint32_t>(ts >> 32));
        le32(b, static_cast<std::uint32_t>(ts));
        le32(b, static_cast<std::uint32_t>(frame.size()));
        le32(b, static_cast<std::uint32_t>(frame.size()));
        b.insert(b.end(), frame.begin(), frame.end());
        return b;
    };
    pcapng_block(f, 6, epb(ethernet(0x0800, ipv4(17, udp(1, 2, k_payload)))));
    pcapng_block(f, 6, epb(ethernet(0x0806, ByteVec(28, 0))));                // ARP
    pcapng_block(f, 6, epb(ethernet(0x0800, ipv4(6, ByteVec(20, 0)))));       // TCP
    pcapng_block(f, 6, epb(ethernet(0x0800, ipv4(17, udp(1, 2, k_payload), 0x2000))));   // a fragment
    ByteVec spb;
    const ByteVec frame = ethernet(0x0800, ipv4(17, udp(3, 4, {7})));
    le32(spb, static_cast<std::uint32_t>(frame.size()));
    spb.insert(spb.end(), frame.begin(), frame.end());
    pcapng_block(f, 3, spb);
    f.insert(f.end(), {6, 0, 0, 0, 200, 0});   // a torn last block

    std::uint64_t skipped = 0;
    const auto got = read_all(write(dir, "c.pcapng", f), &skipped);
    REQUIRE(got.size() == 2);
    CHECK(got[0].wall_ns == 1'700'000'000'123'456'789);
    CHECK(got[0].payload == k_payload);
    CHECK(got[1].source.port == 3);
    CHECK(got[1].payload == ByteVec{7});
    CHECK(skipped == 3);
}

TEST_CASE("capture files: not a capture, or an impossible record, is an error naming the file", "[unit][ingest][capture]") {
    tafel::test::TempDir dir("tafel-capture");
    auto bad = CaptureFile::open(write(dir, "x.pcap", ByteVec(40, 0x42)));
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == Errc::malformed_input);
    CHECK_THAT(bad.error().message, Catch::Contains("x.pcap"));
    CHECK(CaptureFile::open(dir.path() / "missing.pcap").error().code == Errc::not_found);

    ByteVec f = pcap_file(1, {});
    le32(f, 1);
    le32(f, 0);
    le32(f, 0x7fffffff);
    le32(f, 0x7fffffff);
    auto c = CaptureFile::open(write(dir, "y.pcap", f));
    REQUIRE(c);
    auto r = c->next();
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("offset 24"));
}
