// Issue 3, "Durability" + "Disk": on a file system that fills up, writes fail with
// Errc::no_space (logged with the path), what was written stays readable, the session goes
// degraded and keeps counting, and new sessions are refused below the disk floor (HTTP 507
// naming the folder and the free space). The test mounts a small tmpfs of its own (root).
#include "fake_catalog.hpp"
#include "http_client.hpp"
#include "ingest/pcap_reader.hpp"
#include "ingest/raw_recording.hpp"
#include "ingest/rtp_packet.hpp"
#include "ingest/recorder.hpp"
#include "packet_builder.hpp"
#include "storage/layout.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/asio/ip/udp.hpp>
#include <catch2/catch.hpp>

#include <cerrno>
#include <cstring>

#include <sys/mount.h>

using namespace tafel;
using namespace tafel::ingest;
using nlohmann::json;
namespace net = boost::asio;

namespace {

// An 8 MiB tmpfs on `dir` for the test's lifetime.
class SmallTmpfs {
public:
    explicit SmallTmpfs(const std::filesystem::path& dir) : dir_(dir) {
        if (::mount("tafel-test", dir.c_str(), "tmpfs", 0, "size=8m") != 0) {
            FAIL("mount -t tmpfs -o size=8m on " << dir.string() << ": " << std::strerror(errno)
                                                 << " (this test needs root)");
        }
        mounted_ = true;
    }
    ~SmallTmpfs() {
        if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    }
    SmallTmpfs(const SmallTmpfs&) = delete;
    SmallTmpfs& operator=(const SmallTmpfs&) = delete;

private:
    std::filesystem::path dir_;
    bool mounted_ = false;
};

json session_body(const std::string& meeting) {
    return {{"meeting_id", meeting},
            {"name", "Erdkunde 7"},
            {"participants", {{{"id", "t"}, {"name", "T"}, {"role", "moderator"}}}}};
}

} // namespace

TEST_CASE("a full disk degrades the session, keeps what was written and refuses new sessions",
          "[integration][ingest][recorder]") {
    tafel::test::TempDir dir("tafel-recorder-disk-full");
    const auto data = dir.path() / "data";
    std::filesystem::create_directories(data);
    SmallTmpfs tmpfs(data);
    const storage::Layout layout(data);
    ingest::test::FakeCatalog catalog;
    RecorderOptions options{"127.0.0.1", 0, 47550, 47599};
    options.disk_floor_bytes = 6 << 20;   // 8 MiB at the start: above; once ~6 MB are written: below
    options.sync_interval = std::chrono::milliseconds(50);
    auto recorder = Recorder::create(options, catalog, layout);
    REQUIRE(recorder);
    REQUIRE((*recorder)->start());
    const std::uint16_t port = (*recorder)->control_port();
    auto created = ingest::test::http_post(port, "/api/v1/sessions", session_body("full"));
    REQUIRE(created.status == 201);
    const std::string id = created.json()["id"];
    auto video = ingest::test::http_post(
        port, "/api/v1/sessions/" + id + "/streams",
        {{"kind", "video"}, {"codec", "VP8"}, {"payload_type", 96}, {"clock_rate", 90000}, {"participant", "t"}});
    REQUIRE(video.status == 201);

    // ~12 MiB of 1,200-byte packets into 8 MiB: the tail cannot be written.
    net::io_context io;
    net::ip::udp::socket socket(io, net::ip::udp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    const net::ip::udp::endpoint to(net::ip::make_address("127.0.0.1"), video.json()["port"].get<std::uint16_t>());
    constexpr int k_packets = 10'000;
    json track;
    const auto status = [&] { return ingest::test::http_get(port, "/api/v1/sessions/" + id).json(); };
    for (int i = 0; i < k_packets; ++i) {
        ingest::test::RtpFields f;
        f.seq = static_cast<std::uint16_t>(i);
        f.timestamp = 3000u * static_cast<std::uint32_t>(i / 3);
        socket.send_to(net::buffer(ingest::test::rtp(f, std::vector<std::uint8_t>(1200, 0x5a))), to);
        if (i % 500 == 499) {   // stay well inside the socket buffer: every packet is received
            REQUIRE(ingest::test::wait_until([&] {
                track = status()["tracks"][0];
                return track["packets"].get<int>() + track["dropped"].get<int>() == i + 1;
            }));
        }
    }
    json s;
    REQUIRE(ingest::test::wait_until(
        [&] {
            s = status();
            track = s["tracks"][0];
            return track["packets"].get<int>() + track["dropped_by_reason"].value("write_error", 0) == k_packets &&
                   track["synced_packets"] == track["packets"];
        },
        std::chrono::seconds(10)));
    INFO(s.dump());
    CHECK(s["state"] == "degraded");
    const int written = track["packets"];
    CHECK(written > 1000);                                   // most of 8 MiB
    CHECK(track["dropped_by_reason"]["write_error"] > 0);    // and the rest lost to the full disk

    // Below the floor: refused with 507 naming the folder and its free space.
    auto refused = ingest::test::http_post(port, "/api/v1/sessions", session_body("another"));
    CHECK(refused.status == 507);
    const std::string message = refused.json()["error"];
    CHECK(message.find((data / "raw").string()) != std::string::npos);
    CHECK(message.find("MiB free") != std::string::npos);

    // What was written stays readable, record for record (the .tmp: the session is still open).
    auto info = read_recording_info(layout.raw_dir(id));
    REQUIRE(info);
    auto reader = PcapReader::open(layout.raw_dir(id) / info->tracks[0].file, info->anchor);
    REQUIRE(reader);
    int records = 0;
    std::uint16_t expected_seq = 0;
    for (;;) {
        auto r = reader->next();
        REQUIRE(r);
        if (!*r) break;
        const auto rtp = RtpPacket::parse((*r)->payload);
        REQUIRE(rtp);
        CHECK(rtp->sequence_number >= expected_seq);   // whole records, in order (a lost batch may leave a hole)
        expected_seq = static_cast<std::uint16_t>(rtp->sequence_number + 1);
        ++records;
    }
    CHECK(records == written);
    (*recorder)->stop();
}
