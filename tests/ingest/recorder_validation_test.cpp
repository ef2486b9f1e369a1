// Issue 3, "Validation" and "Observability": malformed and foreign datagrams, built byte by
// byte, sent over real loopback UDP to a running Recorder; each is dropped, counted by reason
// in the status and in /metrics, logged once per reason, and never written.
#include "fake_catalog.hpp"
#include "http_client.hpp"
#include "ingest/pcap_reader.hpp"
#include "ingest/raw_recording.hpp"
#include "ingest/recorder.hpp"
#include "packet_builder.hpp"
#include "storage/layout.hpp"
#include "tests/support/temp_dir.hpp"

#include "core/log.hpp"

#include <boost/asio/ip/udp.hpp>
#include <catch2/catch.hpp>
#include <spdlog/sinks/ringbuffer_sink.h>

#include <algorithm>
#include <map>

using namespace tafel;
using namespace tafel::ingest;
using nlohmann::json;
namespace net = boost::asio;

namespace {

const json k_session = {
    {"meeting_id", "meeting-validation"},
    {"name", "Physik 9a"},
    {"context", "klasse-9a"},
    {"participants", {{{"id", "teacher"}, {"name", "Herr Kaya"}, {"role", "moderator"}, {"consent", "unknown"}}}}};

struct Malformed {
    std::string reason;
    std::vector<std::uint8_t> bytes;
};

std::vector<Malformed> malformed_cases() {
    ingest::test::RtpFields f;
    f.seq = 5000;
    const auto good = ingest::test::rtp(f, {0x10, 0x00, 0x42});
    auto edit = [&](auto fn) {
        auto b = good;
        fn(b);
        return b;
    };
    auto sr = ingest::test::rtcp_sr(0x11223344, 0, 0, false);
    return {
        {"truncated", {}},
        {"truncated", {0x80, 0x60, 0x13, 0x88}},
        {"truncated", edit([&](auto& b) { b = sr; b[3] = 60; })},
        {"version", edit([](auto& b) { b[0] = 0x40; })},
        {"version", edit([](auto& b) { b[0] = 0xc0; })},
        {"csrc_overflow", edit([](auto& b) { b[0] = 0x8f; })},
        {"extension_overflow", edit([](auto& b) { b[0] |= 0x10; b.resize(14); })},
        {"extension_overflow", std::vector<std::uint8_t>{0x90, 0x60, 0x13, 0x88, 0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44,
                                                         0xbe, 0xde, 0x00, 0x10, 1, 2, 3, 4}},
        {"padding_overflow", edit([](auto& b) { b[0] |= 0x20; b.back() = 200; })},
        {"padding_overflow", edit([](auto& b) { b[0] |= 0x20; b.back() = 0; })},
        {"malformed_rtcp", edit([&](auto& b) { b = sr; b.insert(b.end(), {0x81, 202, 0, 7, 0, 0, 0, 1}); })},
        {"stun", {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}},
        {"dtls", {22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
        {"unknown", {0x02, 0x00, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
        {"unknown", {7, 7, 7}},
    };
}

// The value of one sample line of the Prometheus text ("name{labels} value").
std::optional<std::string> metric(const std::string& text, const std::string& name_and_labels) {
    const std::string key = name_and_labels + " ";
    for (std::size_t at = 0; at < text.size();) {
        const auto end = text.find('\n', at);
        const std::string line = text.substr(at, end == std::string::npos ? std::string::npos : end - at);
        if (line.starts_with(key)) return line.substr(key.size());
        if (end == std::string::npos) break;
        at = end + 1;
    }
    return std::nullopt;
}

} // namespace

TEST_CASE("the recorder drops every malformed or foreign datagram by reason and writes only RTP/RTCP",
          "[integration][ingest][recorder]") {
    // Capture the ingest logger's lines to see one line per reason, not one per datagram.
    auto ring = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(4096);
    auto logger = log::get("ingest");
    logger->sinks().push_back(ring);
    struct Unhook {
        std::shared_ptr<spdlog::logger> l;
        ~Unhook() { l->sinks().pop_back(); }
    } unhook{logger};

    tafel::test::TempDir dir("tafel-recorder-validation");
    const storage::Layout layout(dir.path());
    ingest::test::FakeCatalog catalog;
    auto recorder = Recorder::create(RecorderOptions{"127.0.0.1", 0, 47000, 47099}, catalog, layout);
    REQUIRE(recorder);
    REQUIRE((*recorder)->start());
    const std::uint16_t port = (*recorder)->control_port();
    auto created = ingest::test::http_post(port, "/api/v1/sessions", k_session);
    REQUIRE(created.status == 201);
    const std::string id = created.json()["id"];
    auto stream = ingest::test::http_post(
        port, "/api/v1/sessions/" + id + "/streams",
        {{"kind", "video"}, {"codec", "VP8"}, {"payload_type", 96}, {"clock_rate", 90000}, {"participant", "teacher"}});
    REQUIRE(stream.status == 201);
    const std::uint16_t media_port = stream.json()["port"];

    net::io_context io;
    net::ip::udp::socket sender(io, net::ip::udp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    const net::ip::udp::endpoint to(net::ip::make_address("127.0.0.1"), media_port);
    const auto cases = malformed_cases();
    constexpr int k_rounds = 20;   // every case 20 times: still one log line per reason
    std::map<std::string, std::uint64_t> expected;
    std::vector<std::vector<std::uint8_t>> valid;
    std::uint16_t seq = 65500;   // the sequence numbers wrap during the test
    for (int round = 0; round < k_rounds; ++round) {
        for (const auto& c : cases) {
            sender.send_to(net::buffer(c.bytes), to);
            ++expected[c.reason];
        }
        ingest::test::RtpFields f;
        f.seq = seq++;
        f.timestamp = 3000u * static_cast<std::uint32_t>(round);
        valid.push_back(ingest::test::rtp(f, {0x10, 0x00, static_cast<std::uint8_t>(round)}));
        sender.send_to(net::buffer(valid.back()), to);
    }
    valid.push_back(ingest::test::rtcp_sr(0x11223344, ntp_from_wall(wall_now()), 60000));
    sender.send_to(net::buffer(valid.back()), to);
    const std::uint64_t total_dropped = cases.size() * k_rounds;

    json status;
    REQUIRE(ingest::test::wait_until([&] {
        status = ingest::test::http_get(port, "/api/v1/sessions/" + id).json();
        return status["tracks"][0]["dropped"] == total_dropped && status["tracks"][0]["packets"] == valid.size();
    }));
    const json& track = status["tracks"][0];
    for (const auto& [reason, n] : expected) {
        INFO(reason);
        CHECK(track["dropped_by_reason"][reason] == n);
    }
    CHECK(track["rtcp_packets"] == 1);
    CHECK(track["lost"] == 0);
    CHECK(track["duplicates"] == 0);
    CHECK(status["state"] == "recording");

    // The same figures in Prometheus form.
    const auto metrics = ingest::test::http_get(port, "/metrics");
    REQUIRE(metrics.status == 200);
    CHECK(metrics.content_type.starts_with("text/plain; version=0.0.4"));
    const std::string labels = fmt::format("session=\"{}\",track=\"t1\",recorded=\"true\"", id);
    for (const auto& [reason, n] : expected) {
        INFO(reason);
        CHECK(metric(metrics.text, fmt::format("tafel_recorder_stream_dropped_total{{{},reason=\"{}\"}}", labels, reason)) ==
              std::to_string(n));
    }
    CHECK(metric(metrics.text, fmt::format("tafel_recorder_stream_packets_total{{{}}}", labels)) ==
          std::to_string(valid.size()));
    CHECK(metric(metrics.text, fmt::format("tafel_recorder_session_state{{session=\"{}\",state=\"recording\"}}", id)) == "1");
    CHECK(metrics.text.find("# TYPE tafel_recorder_stream_jitter_seconds gauge") != std::string::npos);

    // One warning per reason, naming it (RateLimit: 5 s), not one per datagram.
    const auto lines = ring->last_formatted();
    for (const auto& [reason, n] : expected) {
        const auto count = std::count_if(lines.begin(), lines.end(), [&](const std::string& l) {
            return l.find(id) != std::string::npos && l.find(": " + reason + " (") != std::string::npos;
        });
        INFO(reason);
        CHECK(count == 1);
    }

    // Only the valid datagrams reach the pcap, byte for byte.
    REQUIRE(ingest::test::http_post(port, "/api/v1/sessions/" + id + "/stop", json::object()).status == 200);
    (*recorder)->stop();
    const auto raw = layout.raw_dir(id);
    auto info = read_recording_info(raw);
    REQUIRE(info);
    auto records = read_pcap(raw / "tracks" / "t1.pcap", info->anchor);
    REQUIRE(records);
    REQUIRE(records->size() == valid.size());
    for (std::size_t i = 0; i < valid.size(); ++i) CHECK((*records)[i].payload == valid[i]);
}

TEST_CASE("/metrics reports loss, reordering and duplicates of a stream", "[integration][ingest][recorder]") {
    tafel::test::TempDir dir("tafel-recorder-metrics");
    const storage::Layout layout(dir.path());
    ingest::test::FakeCatalog catalog;
    auto recorder = Recorder::create(RecorderOptions{"127.0.0.1", 0, 47100, 47199}, catalog, layout);
    REQUIRE(recorder);
    REQUIRE((*recorder)->start());
    const std::uint16_t port = (*recorder)->control_port();
    const std::string id = ingest::test::http_post(port, "/api/v1/sessions", k_session).json()["id"];
    auto stream = ingest::test::http_post(port, "/api/v1/sessions/" + id + "/streams",
                                          {{"kind", "audio"},
                                           {"codec", "opus"},
                                           {"payload_type", 111},
                                           {"clock_rate", 48000},
                                           {"channels", 2},
                                           {"participant", "teacher"}});
    REQUIRE(stream.status == 201);
    const std::uint16_t media_port = stream.json()["port"];

    net::io_context io;
    net::ip::udp::socket sender(io, net::ip::udp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    const net::ip::udp::endpoint to(net::ip::make_address("127.0.0.1"), media_port);
    // Sequence numbers around the wrap: 65533 … 4, with 65535 and 2 missing, 0 sent after 1,
    // and 3 sent twice: 2 lost, 1 reordered, 1 duplicate.
    const std::vector<std::uint16_t> order = {65533, 65534, 1, 0, 3, 3, 4};
    for (auto s : order) {
        ingest::test::RtpFields f;
        f.payload_type = 111;
        f.seq = s;
        f.timestamp = 960u * s;
        sender.send_to(net::buffer(ingest::test::rtp(f, {0xfc, 0x01})), to);
    }
    std::string text;
    const std::string labels = fmt::format("session=\"{}\",track=\"t1\",recorded=\"true\"", id);
    REQUIRE(ingest::test::wait_until([&] {
        text = ingest::test::http_get(port, "/metrics").text;
        return metric(text, fmt::format("tafel_recorder_stream_packets_total{{{}}}", labels)) == "7";
    }));
    CHECK(metric(text, fmt::format("tafel_recorder_stream_lost_packets{{{}}}", labels)) == "2");
    CHECK(metric(text, fmt::format("tafel_recorder_stream_reordered_total{{{}}}", labels)) == "1");
    CHECK(metric(text, fmt::format("tafel_recorder_stream_duplicates_total{{{}}}", labels)) == "1");
    CHECK(metric(text, fmt::format("tafel_recorder_stream_bytes_total{{{}}}", labels)) == std::to_string(7 * 14));
    CHECK(ingest::test::http_request(port, boost::beast::http::verb::post, "/metrics").status == 405);
}
