// Issue 3, "Data path": records are encoded on the media threads and written and synced by the
// disk writer thread (batches through lock-free SPSC rings); sockets are spread over a fixed
// set of media threads and read with recvmmsg.
#include "fake_catalog.hpp"
#include "http_client.hpp"
#include "ingest/disk_writer.hpp"
#include "ingest/pcap_reader.hpp"
#include "ingest/raw_recording.hpp"
#include "ingest/recorder.hpp"
#include "ingest/spsc_ring.hpp"
#include "packet_builder.hpp"
#include "recorded_media.hpp"
#include "storage/layout.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/asio/ip/udp.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>

#include <thread>

using namespace tafel;
using namespace tafel::ingest;
using nlohmann::json;
namespace net = boost::asio;

namespace {

const ClockAnchor k_anchor{ArrivalTime{1'000'000'000}, WallTime{1'700'000'000'000'000}};

} // namespace

TEST_CASE("SpscRing hands values over in order and reports full and empty", "[unit][ingest]") {
    SpscRing<std::vector<int>> ring(2);
    CHECK_FALSE(ring.pop());
    std::vector<int> a{1}, b{2, 2}, c{3};
    CHECK(ring.push(a));
    CHECK(ring.push(b));
    CHECK_FALSE(ring.push(c));   // full: c stays with the caller
    CHECK(c == std::vector<int>{3});
    CHECK(ring.pop() == std::vector<int>{1});
    CHECK(ring.push(c));
    CHECK(ring.pop() == std::vector<int>{2, 2});
    CHECK(ring.pop() == std::vector<int>{3});
    CHECK_FALSE(ring.pop());

    // Two threads: every value arrives once, in order.
    SpscRing<int> numbers(16);
    constexpr int k_count = 100'000;
    std::thread producer([&] {
        for (int i = 0; i < k_count; ++i) {
            int v = i;
            while (!numbers.push(v)) std::this_thread::yield();
        }
    });
    int expected = 0;
    while (expected < k_count) {
        if (auto v = numbers.pop()) {
            REQUIRE(*v == expected);
            ++expected;
        } else {
            std::this_thread::yield();
        }
    }
    producer.join();
}

TEST_CASE("the disk writer writes, syncs and closes what two producers hand over", "[unit][ingest]") {
    tafel::test::TempDir dir("tafel-disk-writer");
    DiskWriter disk(2);
    disk.start();
    std::vector<std::shared_ptr<TrackFile>> files;
    for (int i = 0; i < 12; ++i) {   // more than the syncfs threshold: one syncfs per round
        auto w = PcapWriter::create(dir.path() / fmt::format("t{}.pcap", i), k_anchor);
        REQUIRE(w);
        files.push_back(std::make_shared<TrackFile>(std::move(*w), k_anchor, fmt::format("t{}", i)));
    }
    const std::vector<std::uint8_t> payload =
        ingest::test::rtp(ingest::test::RtpFields{}, std::vector<std::uint8_t>(100, 7));
    std::uint16_t ip_id = 0;
    auto batch_for = [&](std::size_t first, std::size_t step, int records) {
        WriteBatch batch;
        for (std::size_t i = first; i < files.size(); i += step) {
            WriteChunk c{files[i], {}, 0, nullptr};
            for (int r = 0; r < records; ++r) {
                PcapWriter::encode_record(c.bytes, k_anchor, ip_id++, ArrivalTime{1'000'000'000 + r}, UdpEndpoint{{127, 0, 0, 1}, 5000},
                                          UdpEndpoint{{127, 0, 0, 1}, 6000}, payload);
            }
            c.records = static_cast<std::uint64_t>(records);
            batch.push_back(std::move(c));
        }
        return batch;
    };
    for (int round = 0; round < 5; ++round) {
        auto even = batch_for(0, 2, 10);
        auto odd = batch_for(1, 2, 10);
        REQUIRE(disk.submit(0, even));
        REQUIRE(disk.submit(1, odd));
    }
    REQUIRE(ingest::test::wait_until([&] {
        for (const auto& f : files) {
            if (f->synced() != 50) return false;
        }
        return true;
    }));
    for (const auto& f : files) {
        CHECK(f->written() == 50);
        CHECK(f->failed() == 0);
    }
    // Close through the ring, as a stopping stream does.
    std::vector<std::future<Result<void>>> closing;
    WriteBatch closes;
    for (const auto& f : files) {
        auto done = std::make_shared<std::promise<Result<void>>>();
        closing.push_back(done->get_future());
        closes.push_back(WriteChunk{f, {}, 0, done});
    }
    REQUIRE(disk.submit(0, closes));
    for (auto& c : closing) CHECK(c.get());
    disk.stop();
    for (int i = 0; i < 12; ++i) {
        const auto file = dir.path() / fmt::format("t{}.pcap", i);
        REQUIRE(std::filesystem::exists(file));
        CHECK_FALSE(std::filesystem::exists(file.string() + ".tmp"));
        CHECK(ingest::test::count_records(file, k_anchor) == 50);
    }
}

TEST_CASE("streams spread over three media threads are all received, written and synced",
          "[integration][ingest][recorder]") {
    tafel::test::TempDir dir("tafel-recorder-threads");
    const storage::Layout layout(dir.path());
    ingest::test::FakeCatalog catalog;
    RecorderOptions options{"127.0.0.1", 0, 47300, 47399};
    options.io_threads = 3;
    options.sync_interval = std::chrono::milliseconds(50);
    auto recorder = Recorder::create(options, catalog, layout);
    REQUIRE(recorder);
    REQUIRE((*recorder)->start());
    const std::uint16_t port = (*recorder)->control_port();
    const std::string id =
        ingest::test::http_post(
            port, "/api/v1/sessions",
            {{"meeting_id", "threads"},
             {"name", "Physik 9"},
             {"participants", {{{"id", "t"}, {"name", "T"}, {"role", "moderator"}, {"consent", "unknown"}}}}})
            .json()["id"];
    constexpr int k_streams = 6;
    constexpr int k_packets = 300;   // more than one recvmmsg batch per stream
    std::vector<std::uint16_t> ports;
    for (int i = 0; i < k_streams; ++i) {
        auto s = ingest::test::http_post(
            port, "/api/v1/sessions/" + id + "/streams",
            {{"kind", "audio"}, {"codec", "opus"}, {"payload_type", 111}, {"clock_rate", 48000}, {"participant", "t"}});
        REQUIRE(s.status == 201);
        ports.push_back(s.json()["port"]);
    }
    net::io_context io;
    net::ip::udp::socket socket(io, net::ip::udp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    for (int p = 0; p < k_packets; ++p) {
        for (int i = 0; i < k_streams; ++i) {
            ingest::test::RtpFields f;
            f.payload_type = 111;
            f.seq = static_cast<std::uint16_t>(65500 + p);   // across the wrap
            f.timestamp = 960u * static_cast<std::uint32_t>(p);
            f.ssrc = 0xa0000000u + static_cast<std::uint32_t>(i);
            socket.send_to(
                net::buffer(ingest::test::rtp(f, std::vector<std::uint8_t>(120, 0xf8))),
                net::ip::udp::endpoint(net::ip::make_address("127.0.0.1"), ports[static_cast<std::size_t>(i)]));
        }
        if (p % 50 == 49) std::this_thread::sleep_for(std::chrono::milliseconds(5));   // well within 4 MiB buffers
    }
    json status;
    REQUIRE(ingest::test::wait_until(
        [&] {
            status = ingest::test::http_get(port, "/api/v1/sessions/" + id).json();
            for (const auto& t : status["tracks"]) {
                if (t["packets"] != k_packets || t["synced_packets"] != k_packets) return false;
            }
            return true;
        },
        std::chrono::seconds(10)));
    for (const auto& t : status["tracks"]) {
        CHECK(t["lost"] == 0);
        CHECK(t["dropped"] == 0);
    }
    REQUIRE(ingest::test::http_post(port, "/api/v1/sessions/" + id + "/stop", json::object()).status == 200);
    auto info = read_recording_info(layout.raw_dir(id));
    REQUIRE(info);
    REQUIRE(info->tracks.size() == k_streams);
    for (const auto& t : info->tracks)
        CHECK(ingest::test::count_records(layout.raw_dir(id) / t.file, k_anchor) == k_packets);
    (*recorder)->stop();
}
