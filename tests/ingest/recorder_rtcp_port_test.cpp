// Issue 3, "rtcp-mux and separate RTCP ports": a stream added with rtcp_mux false, or offered
// in SDP without a=rtcp-mux, gets an even RTP port and RTCP on the RTP port + 1 (RFC 3550 11),
// named in the SDP answer with a=rtcp (RFC 3605 2.1). RTCP arriving there is captured into
// the stream's pcap like muxed RTCP (its SR serves A/V sync) and keyframe requests go back to
// where the sender's RTCP came from (RFC 4961). Real sockets over loopback.
#include "http_client.hpp"
#include "ingest/pcap_reader.hpp"
#include "ingest/port_pool.hpp"
#include "ingest/raw_recording.hpp"
#include "ingest/sdp_offer.hpp"
#include "ingest/track_reader.hpp"
#include "packet_builder.hpp"
#include "recorded_media.hpp"
#include "recorder_fixture.hpp"

#include <boost/asio/ip/udp.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace tafel;
using namespace tafel::ingest;
using nlohmann::json;
namespace net = boost::asio;
using udp = net::ip::udp;

namespace {

constexpr std::uint16_t k_rtp_min = 47700, k_rtp_max = 47749;

struct Fixture : ingest::test::RecorderFixture {
    Fixture()
        : RecorderFixture("recorder-rtcp-port", k_rtp_min, k_rtp_max,
                          ingest::test::teacher_session("rtcp-port", "Physik 8")) {}
};

// True when this process can bind the UDP port on loopback (nobody else holds it).
bool port_free(std::uint16_t port) {
    net::io_context io;
    udp::socket s(io);
    boost::system::error_code ec;
    s.open(udp::v4(), ec);
    if (!ec) s.bind(udp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
    return !ec;
}

std::vector<std::uint8_t> receive(udp::socket& socket, int ms) {
    return ingest::test::receive_within(socket.native_handle(), ms);
}

} // namespace

TEST_CASE("PortPool hands out even RTP ports with their RTCP partner and skips taken pairs", "[unit][ingest]") {
    PortPool pool(40001, 40008); // pairs: 40002/3, 40004/5, 40006/7 (40008 has no partner)
    std::vector<std::uint16_t> tried;
    auto first = pool.allocate_pair([&](std::uint16_t p) {
        tried.push_back(p);
        return true;
    });
    REQUIRE(first);
    CHECK(*first == 40002);
    // 40004 refuses to bind (busy elsewhere): the next pair is taken instead.
    auto second = pool.allocate_pair([&](std::uint16_t p) {
        tried.push_back(p);
        return p != 40004;
    });
    REQUIRE(second);
    CHECK(*second == 40006);
    // A single port never lands on an RTCP port of a pair.
    auto single = pool.allocate([](std::uint16_t) { return true; });
    REQUIRE(single);
    CHECK(*single != 40003);
    CHECK(*single != 40007);
    pool.release(40006);
    pool.release(40007);
    auto again = pool.allocate_pair([](std::uint16_t) { return true; });
    REQUIRE(again);
    CHECK(*again == 40004);
    for (const auto p : tried) CHECK(p % 2 == 0); // never an odd RTP port
    PortPool tiny(40001, 40002);                  // no even port with an odd partner inside
    CHECK_FALSE(tiny.allocate_pair([](std::uint16_t) { return true; }));
}

TEST_CASE("a stream added with rtcp_mux false listens on RTP port + 1 and captures the SR sent there",
          "[integration][ingest][recorder]") {
    Fixture fx;
    const json video = {{"kind", "video"},     {"codec", "VP8"},     {"payload_type", 96},
                        {"clock_rate", 90000}, {"participant", "t"}, {"rtcp_mux", false}};
    const auto added = ingest::test::http_post(fx.port, fx.path("streams"), video);
    REQUIRE(added.status == 201);
    const json grant = added.json();
    const std::uint16_t rtp_port = grant["port"];
    REQUIRE(grant.contains("rtcp_port"));
    const std::uint16_t rtcp_port = grant["rtcp_port"];
    CHECK(rtp_port % 2 == 0);
    CHECK(rtcp_port == rtp_port + 1);
    CHECK_FALSE(port_free(rtp_port)); // the recorder holds both
    CHECK_FALSE(port_free(rtcp_port));
    // A muxed stream has no RTCP port; a bad value is named.
    const auto muxed =
        ingest::test::http_post(
            fx.port, fx.path("streams"),
            {{"kind", "audio"}, {"codec", "opus"}, {"payload_type", 111}, {"clock_rate", 48000}, {"participant", "t"}})
            .json();
    CHECK_FALSE(muxed.contains("rtcp_port"));
    const auto bad = ingest::test::http_post(fx.port, fx.path("streams"),
                                             {{"kind", "audio"},
                                              {"codec", "opus"},
                                              {"payload_type", 111},
                                              {"clock_rate", 48000},
                                              {"participant", "t"},
                                              {"rtcp_mux", "no"}});
    CHECK(bad.status == 400);
    CHECK(bad.text.find("rtcp_mux") != std::string::npos);

    // The sender: RTP from one socket, RTCP from another (its own RTP/RTCP pair).
    net::io_context io;
    udp::socket media(io, udp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    udp::socket control(io, udp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    const udp::endpoint to_rtp(net::ip::make_address("127.0.0.1"), rtp_port);
    const udp::endpoint to_rtcp(net::ip::make_address("127.0.0.1"), rtcp_port);
    constexpr std::uint32_t k_ssrc = 0x0bad'cafe;
    const std::uint64_t ntp = ntp_from_wall(wall_now());
    control.send_to(net::buffer(ingest::test::rtcp_sr(k_ssrc, ntp, 0xfffff000u)), to_rtcp);
    REQUIRE(ingest::test::wait_until(
        [&] { return ingest::test::http_get(fx.port, fx.path()).json()["tracks"][0]["rtcp_packets"] == 1; }));

    // Ten VP8 frames, starting with a delta frame: the PLI goes back to the RTCP socket.
    std::uint16_t seq = 65530; // across the 16-bit wrap
    for (int f = 0; f < 10; ++f) {
        for (int i = 0; i < 2; ++i) {
            ingest::test::RtpFields fields;
            fields.seq = seq++;
            fields.ssrc = k_ssrc;
            fields.timestamp = 0xfffff000u + 3000u * static_cast<std::uint32_t>(f);
            fields.marker = i == 1;
            std::vector<std::uint8_t> payload{static_cast<std::uint8_t>(i == 0 ? 0x10 : 0x00)};
            if (i == 0) payload.push_back(f < 5 ? 0x01 : 0x00); // frame tag P bit: delta, then key
            payload.push_back(static_cast<std::uint8_t>(f));
            media.send_to(net::buffer(ingest::test::rtp(fields, payload)), to_rtp);
        }
    }
    const auto pli = receive(control, 3000);
    REQUIRE(pli.size() == 12);
    CHECK(pli[0] == 0x81); // V=2, FMT=1 (PLI, RFC 4585 6.3.1)
    CHECK(pli[1] == 206);
    CHECK(receive(media, 100).empty()); // not to the media socket
    json status;
    REQUIRE(ingest::test::wait_until([&] {
        status = ingest::test::http_get(fx.port, fx.path()).json();
        return status["tracks"][0]["packets"] == 21;
    }));
    CHECK(status["tracks"][0]["rtcp_port"] == rtcp_port);
    CHECK(status["tracks"][0]["plis_sent"] == 1);
    CHECK(status["tracks"][0]["dropped"] == 0);

    REQUIRE(ingest::test::http_post(fx.port, fx.path("stop"), json::object()).status == 200);
    CHECK(port_free(rtp_port)); // both released with the stream
    CHECK(port_free(rtcp_port));

    const auto raw = fx.layout.raw_dir(fx.id);
    auto info = read_recording_info(raw);
    REQUIRE(info);
    REQUIRE(info->tracks.size() == 2);
    CHECK(info->tracks[0].port == rtp_port);
    auto records = read_pcap(raw / info->tracks[0].file, info->anchor);
    REQUIRE(records);
    REQUIRE(records->size() == 21);
    CHECK((*records)[0].destination.port == rtcp_port); // the SR, as it arrived
    CHECK((*records)[0].source.port == control.local_endpoint().port());
    CHECK((*records)[1].destination.port == rtp_port);
    auto reader = TrackReader::open(raw, info->tracks[0], info->anchor);
    REQUIRE(reader);
    const int frames = ingest::test::read_all_frames(**reader);
    CHECK(frames > 0);
    REQUIRE((*reader)->sender_reports().size() == 1); // the SR serves sync like a muxed one
    CHECK((*reader)->sender_reports()[0].ssrc == k_ssrc);
    CHECK((*reader)->sender_reports()[0].ntp_time.utc_us == wall_from_ntp(ntp).utc_us);
}

TEST_CASE("an SDP offer without a=rtcp-mux is answered with a=rtcp and RTCP there is captured",
          "[integration][ingest][recorder]") {
    Fixture fx;
    const std::string offer = "v=0\r\n"
                              "o=- 0 0 IN IP4 127.0.0.1\r\n"
                              "s=ffmpeg\r\n"
                              "c=IN IP4 127.0.0.1\r\n"
                              "t=0 0\r\n"
                              "m=audio 5004 RTP/AVP 97\r\n"
                              "a=rtpmap:97 opus/48000/2\r\n"
                              "m=video 5006 RTP/AVP 96\r\n"
                              "a=rtpmap:96 VP8/90000\r\n"
                              "a=rtcp-mux\r\n";
    const auto answer =
        ingest::test::http_request(fx.port, boost::beast::http::verb::post, fx.path("sdp") + "?participant=t", offer);
    REQUIRE(answer.status == 201);
    INFO(answer.text);
    json status = ingest::test::http_get(fx.port, fx.path()).json();
    REQUIRE(status["tracks"].size() == 2);
    const std::uint16_t audio_port = status["tracks"][0]["port"];
    const std::uint16_t audio_rtcp = status["tracks"][0]["rtcp_port"];
    const std::uint16_t video_port = status["tracks"][1]["port"];
    CHECK(audio_rtcp == audio_port + 1);
    CHECK(status["tracks"][1]["rtcp_port"] == 0);
    // RFC 3605 2.1: the audio section names its RTCP port; the muxed video section does not.
    const auto audio_at = answer.text.find(fmt::format("m=audio {} RTP/AVP 97\r\n", audio_port));
    const auto video_at = answer.text.find(fmt::format("m=video {} RTP/AVP 96\r\n", video_port));
    REQUIRE(audio_at != std::string::npos);
    REQUIRE(video_at != std::string::npos);
    const std::string audio_section = answer.text.substr(audio_at, video_at - audio_at);
    const std::string video_section = answer.text.substr(video_at);
    CHECK(audio_section.find(fmt::format("a=rtcp:{}\r\n", audio_rtcp)) != std::string::npos);
    CHECK(audio_section.find("a=rtcp-mux") == std::string::npos);
    CHECK(video_section.find("a=rtcp-mux\r\n") != std::string::npos);
    CHECK(video_section.find("a=rtcp:") == std::string::npos);
    auto parsed = parse_sdp_offer(answer.text);
    REQUIRE(parsed);
    CHECK_FALSE((*parsed)[0].rtcp_mux);

    // An SR with SDES CNAME and a BYE to the RTCP port: captured, counted as RTCP.
    net::io_context io;
    udp::socket sender(io, udp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    const udp::endpoint to_rtcp(net::ip::make_address("127.0.0.1"), audio_rtcp);
    sender.send_to(net::buffer(ingest::test::rtcp_sr(0x1234, ntp_from_wall(wall_now()), 960)), to_rtcp);
    // Leaving: SR, SDES and BYE (RFC 3550 6.6) in one compound.
    auto bye = ingest::test::rtcp_sr(0x1234, ntp_from_wall(wall_now()), 1920);
    bye.insert(bye.end(), {0x81, 203, 0x00, 0x01, 0x00, 0x00, 0x12, 0x34});
    sender.send_to(net::buffer(bye), to_rtcp);
    REQUIRE(ingest::test::wait_until(
        [&] { return ingest::test::http_get(fx.port, fx.path()).json()["tracks"][0]["rtcp_packets"] == 2; }));
    REQUIRE(ingest::test::http_post(fx.port, fx.path("stop"), json::object()).status == 200);
    auto info = read_recording_info(fx.layout.raw_dir(fx.id));
    REQUIRE(info);
    auto records = read_pcap(fx.layout.raw_dir(fx.id) / info->tracks[0].file, info->anchor);
    REQUIRE(records);
    REQUIRE(records->size() == 2);
    CHECK((*records)[1].payload == bye);
}
