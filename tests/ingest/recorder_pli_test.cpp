// Issue 3, "Keyframes": the recorder sends RTCP PLI (RFC 4585 6.3.1) back to a video sender
// whose stream starts without a key frame or loses packets, at most once a second.
#include "fake_catalog.hpp"
#include "http_client.hpp"
#include "ingest/recorder.hpp"
#include "packet_builder.hpp"
#include "storage/layout.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/asio/ip/udp.hpp>
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

using namespace tafel;
using namespace tafel::ingest;
using nlohmann::json;
namespace net = boost::asio;

namespace {

// The test's sender socket: sends RTP, receives the recorder's feedback with a timeout.
struct VideoSender {
    net::io_context io;
    net::ip::udp::socket socket{io, net::ip::udp::endpoint(net::ip::make_address("127.0.0.1"), 0)};
    net::ip::udp::endpoint to;
    std::uint16_t seq = 100;

    explicit VideoSender(std::uint16_t port) : to(net::ip::make_address("127.0.0.1"), port) {}

    void send(bool frame_start, bool key, bool skip_one = false) {
        if (skip_one) ++seq;
        ingest::test::RtpFields f;
        f.seq = seq++;
        f.ssrc = 0x5eed0001;
        f.timestamp = 3000u * seq;
        const std::vector<std::uint8_t> payload = frame_start
                                                      ? std::vector<std::uint8_t>{0x10, static_cast<std::uint8_t>(key ? 0x00 : 0x01), 0x9d}
                                                      : std::vector<std::uint8_t>{0x00, 0x77};
        socket.send_to(net::buffer(ingest::test::rtp(f, payload)), to);
    }

    // The next datagram from the recorder within `ms`, or empty. Plain poll + recvfrom:
    // Asio's synchronous receive would wait forever.
    std::vector<std::uint8_t> receive(int ms) {
        pollfd p{socket.native_handle(), POLLIN, 0};
        if (::poll(&p, 1, ms) != 1) return {};
        std::vector<std::uint8_t> buf(1500);
        sockaddr_in from{};
        socklen_t from_len = sizeof from;
        const auto n = ::recvfrom(socket.native_handle(), buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from),
                                  &from_len);
        if (n < 0) return {};
        CHECK(ntohs(from.sin_port) == to.port());   // from the stream's own port (symmetric RTP)
        buf.resize(static_cast<std::size_t>(n));
        return buf;
    }
};

void check_pli(const std::vector<std::uint8_t>& p) {
    REQUIRE(p.size() == 12);
    CHECK(p[0] == 0x81);   // V=2, FMT=1
    CHECK(p[1] == 206);    // PSFB
    CHECK(p[3] == 2);
    const std::uint32_t sender_ssrc = (p[4] << 24) | (p[5] << 16) | (p[6] << 8) | p[7];
    const std::uint32_t media_ssrc = (std::uint32_t{p[8]} << 24) | (p[9] << 16) | (p[10] << 8) | p[11];
    CHECK(sender_ssrc != 0x5eed0001);
    CHECK(media_ssrc == 0x5eed0001);
}

} // namespace

TEST_CASE("the recorder asks a video sender for key frames with PLI, rate-limited", "[integration][ingest][recorder]") {
    tafel::test::TempDir dir("tafel-recorder-pli");
    const storage::Layout layout(dir.path());
    ingest::test::FakeCatalog catalog;
    auto recorder = Recorder::create(RecorderOptions{"127.0.0.1", 0, 47200, 47299}, catalog, layout);
    REQUIRE(recorder);
    REQUIRE((*recorder)->start());
    const std::uint16_t port = (*recorder)->control_port();
    const std::string id =
        ingest::test::http_post(
            port, "/api/v1/sessions",
            {{"meeting_id", "pli"},
             {"name", "Kunst 6"},
             {"context", "6a"},
             {"participants", {{{"id", "t"}, {"name", "T"}, {"role", "moderator"}, {"consent", "unknown"}}}}})
            .json()["id"];
    auto video = ingest::test::http_post(
        port, "/api/v1/sessions/" + id + "/streams",
        {{"kind", "video"}, {"codec", "VP8"}, {"payload_type", 96}, {"clock_rate", 90000}, {"participant", "t"}});
    REQUIRE(video.status == 201);
    VideoSender sender(video.json()["port"]);

    // A delta frame first: the recorder asks at once.
    sender.send(true, false);
    const auto first = sender.receive(3000);
    check_pli(first);
    const auto asked_at = std::chrono::steady_clock::now();
    // More delta frames within the second: no second request before a second has passed.
    sender.send(false, false);
    sender.send(true, false);
    const auto second = sender.receive(500);
    if (!second.empty()) CHECK(std::chrono::steady_clock::now() - asked_at >= std::chrono::milliseconds(1000));
    // The key frame ends it.
    sender.send(true, true);
    sender.send(false, true);
    (void)sender.receive(1100);   // a request due from the delta frames may still come once
    sender.send(true, false);
    CHECK(sender.receive(300).empty());

    // A lost packet (never repaired): after the reorder window, the next packet triggers a PLI.
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));   // let the rate limit pass (it is the subject)
    sender.send(true, false, /*skip_one=*/true);
    std::this_thread::sleep_for(std::chrono::milliseconds(150));    // longer than the 100-ms reorder window
    sender.send(true, false);
    check_pli(sender.receive(3000));

    json status;
    REQUIRE(ingest::test::wait_until([&] {
        status = ingest::test::http_get(port, "/api/v1/sessions/" + id).json();
        return status["tracks"][0]["packets"] == 8;
    }));
    CHECK(status["tracks"][0]["lost"] == 1);
    const int plis = status["tracks"][0]["plis_sent"];
    CHECK(plis >= 2);
    CHECK(plis <= 3);
}
