// Issue 3, "Control API": VP9 and H.264 streams with fmtp and SSRC, an SDP offer answered in
// SDP, pause/resume, and keyframe requests by FIR where negotiated (RFC 5104 4.3.1) and by
// PLI for VP9 and H.264.
#include "http_client.hpp"
#include "ingest/pcap_reader.hpp"
#include "ingest/raw_recording.hpp"
#include "ingest/sdp_offer.hpp"
#include "packet_builder.hpp"
#include "recorded_media.hpp"
#include "recorder_fixture.hpp"

#include <boost/asio/ip/udp.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>

using namespace tafel;
using namespace tafel::ingest;
using nlohmann::json;
namespace net = boost::asio;

namespace {

struct Sender {
    net::io_context io;
    net::ip::udp::socket socket{io, net::ip::udp::endpoint(net::ip::make_address("127.0.0.1"), 0)};
    net::ip::udp::endpoint to;
    std::uint16_t seq = 65530;   // just before the wrap
    std::uint32_t ssrc;

    Sender(std::uint16_t port, std::uint32_t s) : to(net::ip::make_address("127.0.0.1"), port), ssrc(s) {}

    void send(std::uint8_t pt, const std::vector<std::uint8_t>& payload) {
        ingest::test::RtpFields f;
        f.payload_type = pt;
        f.seq = seq++;
        f.ssrc = ssrc;
        f.timestamp = 0xfffff000u + 3000u * seq;
        socket.send_to(net::buffer(ingest::test::rtp(f, payload)), to);
    }

    std::vector<std::uint8_t> receive(int ms) { return ingest::test::receive_within(socket.native_handle(), ms); }
};

std::uint32_t be32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

struct Fixture : ingest::test::RecorderFixture {
    explicit Fixture(std::uint16_t rtp_min)
        : RecorderFixture("recorder-control", rtp_min, static_cast<std::uint16_t>(rtp_min + 49),
                          ingest::test::teacher_session("control", "Chemie 10")) {}
};

} // namespace

TEST_CASE("VP9 and H.264 streams with fmtp and SSRC - PLI on a delta start, FIR where negotiated",
          "[integration][ingest][recorder]") {
    Fixture fx(47400);
    auto vp9 = ingest::test::http_post(fx.port, fx.path("streams"),
                                       {{"kind", "video"},
                                        {"codec", "VP9"},
                                        {"payload_type", 98},
                                        {"clock_rate", 90000},
                                        {"participant", "t"},
                                        {"fmtp", "profile-id=0"},
                                        {"ssrc", 3000000001u},
                                        {"fir", true}});
    REQUIRE(vp9.status == 201);
    auto h264 =
        ingest::test::http_post(fx.port, fx.path("streams"),
                                {{"kind", "video"},
                                 {"codec", "H264"},
                                 {"payload_type", 102},
                                 {"clock_rate", 90000},
                                 {"participant", "t"},
                                 {"fmtp", "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"}});
    REQUIRE(h264.status == 201);
    CHECK(ingest::test::http_post(
              fx.port, fx.path("streams"),
              {{"kind", "video"}, {"codec", "AV1"}, {"payload_type", 45}, {"clock_rate", 90000}, {"participant", "t"}})
              .status == 400);
    CHECK(ingest::test::http_post(fx.port, fx.path("streams"),
                                  {{"kind", "video"},
                                   {"codec", "VP9"},
                                   {"payload_type", 98},
                                   {"clock_rate", 90000},
                                   {"participant", "t"},
                                   {"ssrc", -1}})
              .status == 400);

    // VP9 (RFC 9628 4.2): B=1, P=1: a delta frame starts the stream → FIR (negotiated).
    Sender v(vp9.json()["port"], 3000000001u);
    v.send(98, {0x48, 0x00, 0x11});   // P=1 B=1
    const auto fir = v.receive(3000);
    REQUIRE(fir.size() == 20);
    CHECK(fir[0] == 0x84);   // V=2, FMT=4
    CHECK(fir[1] == 206);
    CHECK(fir[3] == 4);
    CHECK(be32(fir.data() + 8) == 0);               // media source SSRC unused
    CHECK(be32(fir.data() + 12) == 3000000001u);    // FCI: the SSRC asked for a refresh
    CHECK(fir[16] == 0);                            // first command sequence number

    // H.264 (RFC 6184 5.8): a FU-A starting a non-IDR slice → PLI.
    Sender h(h264.json()["port"], 0x264);
    h.send(102, {0x7c, 0x81, 0x00, 0x01});   // FU indicator type 28, FU header S=1 type 1
    const auto pli = h.receive(3000);
    REQUIRE(pli.size() == 12);
    CHECK(pli[0] == 0x81);
    CHECK(be32(pli.data() + 8) == 0x264);
    // An IDR next: nothing more is asked for.
    h.send(102, {0x65, 0x88, 0x80});
    CHECK(h.receive(300).empty());

    json status;
    REQUIRE(ingest::test::wait_until([&] {
        status = ingest::test::http_get(fx.port, fx.path()).json();
        return status["tracks"][0]["packets"] == 1 && status["tracks"][1]["packets"] == 2;
    }));
    CHECK(status["tracks"][0]["firs_sent"] == 1);
    CHECK(status["tracks"][0]["plis_sent"] == 0);
    CHECK(status["tracks"][1]["plis_sent"] == 1);

    auto info = read_recording_info(fx.layout.raw_dir(fx.id));
    REQUIRE(info);
    REQUIRE(info->tracks.size() == 2);
    CHECK(info->tracks[0].codec == "VP9");
    CHECK(info->tracks[0].fmtp == "profile-id=0");
    CHECK(info->tracks[0].ssrc == 3000000001u);
    CHECK(info->tracks[1].codec == "H264");
    CHECK_FALSE(info->tracks[1].ssrc);
}

TEST_CASE("an SDP offer (mediasoup PlainTransport style) is answered with the recorder's ports",
          "[integration][ingest][recorder]") {
    Fixture fx(47450);
    const std::string offer = "v=0\r\n"
                              "o=- 0 0 IN IP4 127.0.0.1\r\n"
                              "s=mediasoup\r\n"
                              "c=IN IP4 127.0.0.1\r\n"
                              "t=0 0\r\n"
                              "m=audio 5004 RTP/AVP 100\r\n"
                              "a=rtpmap:100 opus/48000/2\r\n"
                              "a=fmtp:100 sprop-stereo=1\r\n"
                              "a=rtcp-mux\r\n"
                              "a=ssrc:11111111 cname:abc\r\n"
                              "m=video 5006 RTP/AVPF 101 102\r\n"
                              "a=rtpmap:101 AV1/90000\r\n"
                              "a=rtpmap:102 VP8/90000\r\n"
                              "a=rtcp-fb:102 nack pli\r\n"
                              "a=rtcp-fb:* ccm fir\r\n"
                              "a=rtcp-mux\r\n"
                              "m=application 5008 UDP/DTLS/SCTP webrtc-datachannel\r\n";
    const auto answer =
        ingest::test::http_request(fx.port, boost::beast::http::verb::post, fx.path("sdp") + "?participant=t", offer);
    REQUIRE(answer.status == 201);
    CHECK(answer.content_type == "application/sdp");
    INFO(answer.text);
    CHECK(answer.text.find("c=IN IP4 127.0.0.1\r\n") != std::string::npos);
    // The answer parses as SDP again: audio and video ports from the range, the data channel rejected.
    auto parsed = parse_sdp_offer(answer.text);
    REQUIRE(parsed);
    REQUIRE(parsed->size() == 3);
    CHECK((*parsed)[0].codec == "opus");
    CHECK((*parsed)[0].rtcp_mux);
    CHECK((*parsed)[1].codec == "VP8");
    CHECK((*parsed)[1].payload_type == 102);
    CHECK((*parsed)[1].fir);
    CHECK(answer.text.find("m=application 0 ") != std::string::npos);

    json status = ingest::test::http_get(fx.port, fx.path()).json();
    REQUIRE(status["tracks"].size() == 2);
    const std::uint16_t audio_port = status["tracks"][0]["port"];
    const std::uint16_t video_port = status["tracks"][1]["port"];
    CHECK(answer.text.find(fmt::format("m=audio {} RTP/AVP 100\r\n", audio_port)) != std::string::npos);
    CHECK(answer.text.find(fmt::format("m=video {} RTP/AVPF 102\r\n", video_port)) != std::string::npos);
    auto info = read_recording_info(fx.layout.raw_dir(fx.id));
    REQUIRE(info);
    CHECK(info->tracks[0].ssrc == 11111111u);
    CHECK(info->tracks[0].fmtp == "sprop-stereo=1");
    CHECK(info->tracks[0].channels == 2);

    CHECK(ingest::test::http_request(fx.port, boost::beast::http::verb::post, fx.path("sdp"), offer).status == 400);
    CHECK(ingest::test::http_request(fx.port, boost::beast::http::verb::post, fx.path("sdp") + "?participant=t",
                                     "v=0\r\nm=video 1 RTP/AVP 45\r\na=rtpmap:45 AV1/90000\r\n")
              .status == 400);
    CHECK(ingest::test::http_request(fx.port, boost::beast::http::verb::post, fx.path("sdp") + "?participant=t",
                                     "v=0\r\nm=video\r\n")
              .status == 400);
}

TEST_CASE("pause and resume: events logged, media of the pause not written", "[integration][ingest][recorder]") {
    Fixture fx(47500);
    auto audio = ingest::test::http_post(
        fx.port, fx.path("streams"),
        {{"kind", "audio"}, {"codec", "opus"}, {"payload_type", 111}, {"clock_rate", 48000}, {"participant", "t"}});
    REQUIRE(audio.status == 201);
    Sender a(audio.json()["port"], 0xa);
    const auto packets = [&] { return ingest::test::http_get(fx.port, fx.path()).json()["tracks"][0]; };
    for (int i = 0; i < 5; ++i) a.send(111, {0xf8, 1, 2});
    REQUIRE(ingest::test::wait_until([&] { return packets()["packets"] == 5; }));

    REQUIRE(ingest::test::http_post(fx.port, fx.path("pause"), json::object()).status == 200);
    CHECK(ingest::test::http_post(fx.port, fx.path("pause"), json::object()).status == 409);
    CHECK(ingest::test::http_get(fx.port, fx.path()).json()["paused"] == true);
    for (int i = 0; i < 7; ++i) a.send(111, {0xf8, 1, 2});
    REQUIRE(ingest::test::wait_until([&] { return packets()["dropped_by_reason"].value("paused", 0) == 7; }));

    REQUIRE(ingest::test::http_post(fx.port, fx.path("resume"), json::object()).status == 200);
    CHECK(ingest::test::http_post(fx.port, fx.path("resume"), json::object()).status == 409);
    for (int i = 0; i < 3; ++i) a.send(111, {0xf8, 1, 2});
    REQUIRE(ingest::test::wait_until([&] { return packets()["packets"] == 8; }));

    REQUIRE(ingest::test::http_post(fx.port, fx.path("stop"), json::object()).status == 200);
    auto events = read_events(fx.layout.raw_dir(fx.id));
    REQUIRE(events);
    std::vector<std::string> types;
    for (const auto& e : *events) types.push_back(e.type);
    CHECK(std::count(types.begin(), types.end(), "recording_paused") == 1);
    CHECK(std::count(types.begin(), types.end(), "recording_resumed") == 1);
    auto info = read_recording_info(fx.layout.raw_dir(fx.id));
    REQUIRE(info);
    CHECK(ingest::test::count_records(fx.layout.raw_dir(fx.id) / info->tracks[0].file) == 8);
}
