#include "ingest/pcap_reader.hpp"
#include "ingest/pcap_writer.hpp"
#include "packet_builder.hpp"
#include "shell_output.hpp"
#include "tests/support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

using namespace tafel;
using namespace tafel::ingest;

namespace {

const ClockAnchor k_anchor{ArrivalTime{1'000'000'000}, WallTime{1'700'000'000'000'000}};
const UdpEndpoint k_sender{{10, 0, 0, 7}, 5004};
const UdpEndpoint k_recorder{{127, 0, 0, 1}, 40000};

std::vector<std::uint8_t> packet(std::uint16_t seq) {
    ingest::test::RtpFields f;
    f.seq = seq;
    f.timestamp = seq * 3000u;
    return ingest::test::rtp(f, std::vector<std::uint8_t>(100 + seq % 7, static_cast<std::uint8_t>(seq)));
}

} // namespace

TEST_CASE("pcap records round-trip with arrival times, ports and payloads", "[unit][ingest][pcap]") {
    tafel::test::TempDir dir("tafel-pcap-roundtrip");
    const auto file = dir.path() / "t1.pcap";
    auto w = PcapWriter::create(file, k_anchor);
    REQUIRE(w);
    CHECK(std::filesystem::exists(dir.path() / "t1.pcap.tmp"));
    CHECK_FALSE(std::filesystem::exists(file));
    for (std::uint16_t s = 0; s < 50; ++s) {
        REQUIRE(w->append(ArrivalTime{1'000'000'000 + s * 20'000'000ll + 17}, k_sender, k_recorder, packet(s)));
    }
    REQUIRE(w->close());
    CHECK(std::filesystem::exists(file));
    CHECK_FALSE(std::filesystem::exists(dir.path() / "t1.pcap.tmp"));

    auto records = read_pcap(file, k_anchor);
    REQUIRE(records);
    REQUIRE(records->size() == 50);
    for (std::uint16_t s = 0; s < 50; ++s) {
        const auto& r = (*records)[s];
        CHECK(r.arrival.ns == 1'000'000'000 + s * 20'000'000ll + 17);
        CHECK(r.wall_ns == 1'700'000'000'000'000'000ll + s * 20'000'000ll + 17);
        CHECK(r.source == k_sender);
        CHECK(r.destination == k_recorder);
        CHECK(r.payload == packet(s));
    }
}

TEST_CASE("a pcap left as .tmp with a torn last record reads up to the tear", "[unit][ingest][pcap]") {
    tafel::test::TempDir dir("tafel-pcap-torn");
    const auto file = dir.path() / "t2.pcap";
    {
        auto w = PcapWriter::create(file, k_anchor);
        REQUIRE(w);
        for (std::uint16_t s = 0; s < 10; ++s) REQUIRE(w->append(ArrivalTime{1'000'000'000 + s}, k_sender, k_recorder, packet(s)));
        REQUIRE(w->flush());
        // Simulate the crash: keep the .tmp as it is on disk now, minus part of the last record.
        const auto tmp = dir.path() / "t2.pcap.tmp";
        const auto crashed = dir.path() / "crashed";
        std::filesystem::copy_file(tmp, crashed);
        const auto size = std::filesystem::file_size(crashed);
        for (std::uintmax_t cut : {std::uintmax_t{5}, std::uintmax_t{60}, std::uintmax_t{100 + 9 % 7 + 12 + 28 + 16 - 3}}) {
            INFO("cut " << cut);
            const auto torn = dir.path() / fmt::format("torn{}.pcap.tmp", cut);
            std::filesystem::copy_file(crashed, torn);
            std::filesystem::resize_file(torn, size - cut);
            auto records = read_pcap(dir.path() / fmt::format("torn{}.pcap", cut), k_anchor);
            REQUIRE(records);
            CHECK(records->size() == 9);
            CHECK(records->back().payload == packet(8));
        }
    }
}

TEST_CASE("a file with a bad magic is rejected naming the file", "[unit][ingest][pcap]") {
    tafel::test::TempDir dir("tafel-pcap-magic");
    const auto file = dir.path() / "bad.pcap";
    {
        std::ofstream out(file, std::ios::binary);
        out << "this is not a pcap file at all";
    }
    auto r = read_pcap(file, k_anchor);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::malformed_input);
    CHECK_THAT(r.error().message, Catch::Contains("bad.pcap") && Catch::Contains("magic"));
    auto missing = read_pcap(dir.path() / "missing.pcap", k_anchor);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == Errc::not_found);
}

TEST_CASE("the writer names the path when it cannot create the file", "[unit][ingest][pcap]") {
    tafel::test::TempDir dir("tafel-pcap-nodir");
    auto w = PcapWriter::create(dir.path() / "no" / "such" / "t.pcap", k_anchor);
    REQUIRE_FALSE(w);
    CHECK(w.error().code == Errc::io);
    CHECK_THAT(w.error().message, Catch::Contains("t.pcap.tmp"));
}

TEST_CASE("tshark decodes the written pcap as RTP with the right sequence numbers", "[integration][ingest][pcap]") {
    tafel::test::TempDir dir("tafel-pcap-tshark");
    const auto file = dir.path() / "t1.pcap";
    auto w = PcapWriter::create(file, k_anchor);
    REQUIRE(w);
    for (std::uint16_t s = 65530; s != 4; ++s) REQUIRE(w->append(ArrivalTime{2'000'000'000 + s}, k_sender, k_recorder, packet(s)));
    REQUIRE(w->close());
    const auto out = ingest::test::shell_output(
        fmt::format("tshark -r '{}' -d udp.port==40000,rtp -T fields -e rtp.seq -e ip.checksum.status "
                    "-o ip.check_checksum:TRUE 2>/dev/null",
                    file.string()));
    std::istringstream lines(out);
    std::vector<std::string> seqs;
    std::string line;
    while (std::getline(lines, line)) {
        INFO(line);
        const auto tab = line.find('\t');
        REQUIRE(tab != std::string::npos);
        seqs.push_back(line.substr(0, tab));
        CHECK(line.substr(tab + 1) == "1");   // PROTO_CHECKSUM_E_GOOD
    }
    CHECK(seqs == std::vector<std::string>{"65530", "65531", "65532", "65533", "65534", "65535", "0", "1", "2", "3"});
}
