#include "fake_catalog.hpp"
#include "ingest/pcap_reader.hpp"
#include "ingest/raw_recording.hpp"
#include "ingest/recorder.hpp"
#include "ingest/track_reader.hpp"
#include "packet_builder.hpp"
#include "recorded_media.hpp"
#include "storage/layout.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

using namespace tafel;
using namespace tafel::ingest;
using nlohmann::json;
namespace net = boost::asio;
namespace http = boost::beast::http;

namespace {

struct Reply {
    int status = 0;
    json body;
};

// A plain Beast client, one connection per request.
Reply request(std::uint16_t port, http::verb verb, const std::string& target, const std::string& body = {},
              const std::string& content_type = "application/json") {
    net::io_context io;
    net::ip::tcp::socket socket(io);
    socket.connect({net::ip::make_address("127.0.0.1"), port});
    http::request<http::string_body> req(verb, target, 11);
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, content_type);
    req.body() = body;
    req.prepare_payload();
    http::write(socket, req);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(socket, buffer, res);
    Reply r;
    r.status = static_cast<int>(res.result_int());
    r.body = json::parse(res.body(), nullptr, false);
    return r;
}

Reply post(std::uint16_t port, const std::string& target, const json& body) {
    return request(port, http::verb::post, target, body.dump());
}

// Polls `condition` for up to 5 s: UDP delivery is asynchronous.
template <typename F>
bool eventually(F condition) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return condition();
}

const json k_session = {
    {"meeting_id", "meeting-7b"},
    {"name", "Mathe 7b"},
    {"context", "klasse-7b"},
    {"participants",
     {{{"id", "teacher"}, {"name", "Frau Müller"}, {"role", "moderator"}, {"consent", "unknown"}},
      {{"id", "pupil1"}, {"name", "Jonas"}, {"role", "viewer"}, {"consent", "denied"}}}}};

const json k_video = {{"kind", "video"}, {"codec", "VP8"}, {"payload_type", 96}, {"clock_rate", 90000},
                      {"participant", "teacher"}};

// Two VP8 frames per keyframe interval, 2 packets each.
std::vector<std::vector<std::uint8_t>> vp8_packets(int frames) {
    std::vector<std::vector<std::uint8_t>> out;
    std::uint16_t seq = 1000;
    for (int f = 0; f < frames; ++f) {
        for (int i = 0; i < 2; ++i) {
            ingest::test::RtpFields fields;
            fields.seq = seq++;
            fields.timestamp = 3000u * static_cast<std::uint32_t>(f);
            fields.marker = i == 1;
            std::vector<std::uint8_t> payload{static_cast<std::uint8_t>(i == 0 ? 0x10 : 0x00)};
            if (i == 0) payload.push_back(f == 0 ? 0x00 : 0x01);
            payload.push_back(static_cast<std::uint8_t>(f));
            out.push_back(ingest::test::rtp(fields, payload));
        }
    }
    return out;
}

const char* k_pdf =
    "%PDF-1.5\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    "2 0 obj << /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >> endobj\n"
    "3 0 obj << /Type /Page /Parent 2 0 R >> endobj\n4 0 obj << /Type/Page /Parent 2 0 R >> endobj\n%%EOF\n";

} // namespace

TEST_CASE("the recorder captures a session's RTP over loopback into the raw recording", "[integration][ingest][recorder]") {
    tafel::test::TempDir dir("tafel-recorder");
    const storage::Layout layout(dir.path());
    ingest::test::FakeCatalog catalog;
    std::atomic<int> stopped_calls{0};
    std::string stopped_id;
    auto recorder = Recorder::create(RecorderOptions{"127.0.0.1", 0, 46000, 46999}, catalog, layout,
                                     [&](const std::string& id) {
                                         stopped_id = id;
                                         ++stopped_calls;
                                     });
    REQUIRE(recorder);
    REQUIRE((*recorder)->start());
    const std::uint16_t port = (*recorder)->control_port();
    REQUIRE(port != 0);

    auto created = post(port, "/api/v1/sessions", k_session);
    REQUIRE(created.status == 201);
    const std::string id = created.body["id"];
    CHECK(id.find('-') == 40);   // "<40 hex>-<start ms>" (core/ids.hpp)
    const auto raw = layout.raw_dir(id);
    CHECK(std::filesystem::is_directory(raw / "tracks"));
    CHECK(std::filesystem::is_directory(raw / "slides"));
    auto row = catalog.recording(id);
    REQUIRE(row);
    REQUIRE(*row);
    CHECK((*row)->state == storage::RecordingState::recording);
    CHECK((*row)->title == "Mathe 7b");
    CHECK((*row)->context == "klasse-7b");

    auto video = post(port, "/api/v1/sessions/" + id + "/streams", k_video);
    REQUIRE(video.status == 201);
    CHECK(video.body["track"] == "t1");
    const std::uint16_t video_port = video.body["port"];
    CHECK(video_port >= 46000);
    CHECK(video_port <= 46999);
    auto pupil = post(port, "/api/v1/sessions/" + id + "/streams",
                      {{"kind", "audio"}, {"codec", "opus"}, {"payload_type", 111}, {"clock_rate", 48000},
                       {"channels", 2}, {"participant", "pupil1"}});
    REQUIRE(pupil.status == 201);
    CHECK(pupil.body["recorded"] == false);
    const std::uint16_t pupil_port = pupil.body["port"];
    CHECK(pupil_port != video_port);

    // Send: 10 VP8 frames (20 packets), one RTCP SR, a STUN binding request and garbage.
    net::io_context io;
    net::ip::udp::socket sender(io, net::ip::udp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    const net::ip::udp::endpoint to_video(net::ip::make_address("127.0.0.1"), video_port);
    const auto packets = vp8_packets(10);
    for (const auto& p : packets) sender.send_to(net::buffer(p), to_video);
    sender.send_to(net::buffer(ingest::test::rtcp_sr(0x11223344, ntp_from_wall(wall_now()), 27000)), to_video);
    const std::vector<std::uint8_t> stun{0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    sender.send_to(net::buffer(stun), to_video);
    const std::vector<std::uint8_t> short_rtp{0x80, 0x60, 0x00};
    sender.send_to(net::buffer(short_rtp), to_video);
    ingest::test::RtpFields opus;
    opus.payload_type = 111;
    for (int i = 0; i < 5; ++i) {
        sender.send_to(net::buffer(ingest::test::rtp(opus, {0xfc, 0x01})),
                       net::ip::udp::endpoint(net::ip::make_address("127.0.0.1"), pupil_port));
    }
    Reply status;
    REQUIRE(eventually([&] {
        status = request(port, http::verb::get, "/api/v1/sessions/" + id);
        return status.status == 200 && status.body["tracks"][0]["packets"] == 21 &&
               status.body["tracks"][0]["dropped"] == 2 && status.body["tracks"][1]["dropped"] == 5;
    }));
    CHECK(status.body["state"] == "recording");
    CHECK(status.body["tracks"][0]["track"] == "t1");
    CHECK(status.body["tracks"][0]["port"] == video_port);
    CHECK(status.body["tracks"][0]["rtcp_packets"] == 1);
    CHECK(status.body["tracks"][0]["dropped_by_reason"]["stun"] == 1);
    CHECK(status.body["tracks"][0]["dropped_by_reason"]["truncated"] == 1);
    CHECK(status.body["tracks"][1]["packets"] == 0);
    std::size_t expected_bytes = 0;
    for (const auto& p : packets) expected_bytes += p.size();
    expected_bytes += ingest::test::rtcp_sr(0, 0, 0).size();
    CHECK(status.body["tracks"][0]["bytes"] == expected_bytes);

    auto deck = request(port, http::verb::post, "/api/v1/sessions/" + id + "/decks?name=Br%C3%BCche.pdf", k_pdf,
                        "application/pdf");
    REQUIRE(deck.status == 201);
    CHECK(deck.body["deck"] == "d1");
    CHECK(deck.body["pages"] == 2);
    auto events = post(port, "/api/v1/sessions/" + id + "/events",
                       json::array({{{"type", "chat"}, {"participant", "teacher"}, {"name", "Frau Müller"}, {"text", "Hallo"}},
                                    {{"type", "slide"}, {"deck", "d1"}, {"page", 2}, {"t_us", 1'700'000'000'000'000}}}));
    REQUIRE(events.status == 202);
    CHECK(events.body["accepted"] == 2);

    auto stop = post(port, "/api/v1/sessions/" + id + "/stop", json::object());
    REQUIRE(stop.status == 200);
    CHECK(stop.body["state"] == "stopped");
    CHECK(stopped_calls == 1);
    CHECK(stopped_id == id);
    CHECK(post(port, "/api/v1/sessions/" + id + "/stop", json::object()).status == 409);
    CHECK(request(port, http::verb::get, "/api/v1/sessions/" + id).body["state"] == "stopped");
    (*recorder)->stop();
    CHECK(stopped_calls == 1);   // nothing left to finalise

    // The files a transcoder reads.
    auto info = read_recording_info(raw);
    REQUIRE(info);
    REQUIRE(info->tracks.size() == 1);   // the pupil's stream is not part of the recording
    CHECK(info->tracks[0].id == "t1");
    CHECK(info->tracks[0].port == video_port);
    CHECK(info->tracks[0].codec == "VP8");
    CHECK(info->stopped);
    REQUIRE(info->decks.size() == 1);
    CHECK(info->decks[0].name == "Brüche.pdf");
    CHECK(std::filesystem::file_size(raw / "slides" / "d1.pdf") == std::string(k_pdf).size());
    CHECK(std::filesystem::exists(raw / "tracks" / "t1.pcap"));
    CHECK_FALSE(std::filesystem::exists(raw / "tracks" / "t1.pcap.tmp"));
    CHECK_FALSE(std::filesystem::exists(raw / "tracks" / "t2.pcap"));
    CHECK_FALSE(std::filesystem::exists(raw / "tracks" / "t2.pcap.tmp"));

    auto records = read_pcap(raw / "tracks" / "t1.pcap", info->anchor);
    REQUIRE(records);
    REQUIRE(records->size() == 21);
    for (std::size_t i = 0; i < packets.size(); ++i) CHECK((*records)[i].payload == packets[i]);
    CHECK((*records)[0].source.port == sender.local_endpoint().port());
    CHECK((*records)[0].destination.port == video_port);
    const auto wall_start_ns = info->started.utc_us * 1000;
    CHECK((*records)[0].wall_ns >= wall_start_ns - 1'000'000'000);
    CHECK((*records)[0].wall_ns <= info->stopped->utc_us * 1000 + 1'000'000'000);

    auto reader = TrackReader::open(raw, info->tracks[0], info->anchor);
    REQUIRE(reader);
    const int frames = ingest::test::read_all_frames(**reader);
    CHECK(frames == 10);
    CHECK((*reader)->sender_reports().size() == 1);

    auto evs = read_events(raw);
    REQUIRE(evs);
    REQUIRE(evs->size() == 3);
    CHECK((*evs)[0].type == "deck_added");
    CHECK((*evs)[1].type == "chat");
    CHECK((*evs)[1].time.utc_us >= info->started.utc_us);
    CHECK((*evs)[2].time.utc_us == 1'700'000'000'000'000);

    auto row_after = catalog.recording(id);
    CHECK((**row_after).state == storage::RecordingState::stopped);
    auto jobs = catalog.jobs_of(id);
    REQUIRE(jobs);
    // The render and, queued with it at the stop, the light audio-only preview (issue 6).
    REQUIRE(jobs->size() == 2);
    CHECK((*jobs)[0].kind == "render");
    CHECK((*jobs)[1].kind == "preview");
    CHECK((*jobs)[1].priority == storage::k_priority_light);
}

TEST_CASE("the control API rejects bad requests naming the field", "[integration][ingest][recorder]") {
    tafel::test::TempDir dir("tafel-recorder-errors");
    const storage::Layout layout(dir.path());
    ingest::test::FakeCatalog catalog;
    auto recorder = Recorder::create(RecorderOptions{"127.0.0.1", 0, 46000, 46999}, catalog, layout);
    REQUIRE(recorder);
    REQUIRE((*recorder)->start());
    const auto port = (*recorder)->control_port();

    auto r = post(port, "/api/v1/sessions", {{"name", "x"}});
    CHECK(r.status == 400);
    CHECK_THAT(r.body["error"].get<std::string>(), Catch::Contains("meeting_id"));
    auto bad_role = k_session;
    bad_role["participants"][1]["role"] = "boss";
    r = post(port, "/api/v1/sessions", bad_role);
    CHECK(r.status == 400);
    CHECK_THAT(r.body["error"].get<std::string>(), Catch::Contains("participants[1].role"));
    r = request(port, http::verb::post, "/api/v1/sessions", "{not json");
    CHECK(r.status == 400);
    r = request(port, http::verb::get, "/api/v1/sessions/nope");
    CHECK(r.status == 404);
    CHECK_THAT(r.body["error"].get<std::string>(), Catch::Contains("nope"));

    auto created = post(port, "/api/v1/sessions", k_session);
    REQUIRE(created.status == 201);
    const std::string base = "/api/v1/sessions/" + created.body["id"].get<std::string>();
    auto stream = k_video;
    stream["participant"] = "stranger";
    r = post(port, base + "/streams", stream);
    CHECK(r.status == 400);
    CHECK_THAT(r.body["error"].get<std::string>(), Catch::Contains("participant"));
    stream = k_video;
    stream["codec"] = "AV1";   // H264 and VP9 are taken since issue 3's control API gaps
    r = post(port, base + "/streams", stream);
    CHECK(r.status == 400);
    CHECK_THAT(r.body["error"].get<std::string>(), Catch::Contains("codec") && Catch::Contains("AV1"));
    stream = k_video;
    stream["payload_type"] = 200;
    r = post(port, base + "/streams", stream);
    CHECK(r.status == 400);
    CHECK_THAT(r.body["error"].get<std::string>(), Catch::Contains("payload_type"));
    r = request(port, http::verb::post, base + "/decks?name=a.pdf", "hello", "application/pdf");
    CHECK(r.status == 400);
    CHECK_THAT(r.body["error"].get<std::string>(), Catch::Contains("PDF"));
    r = request(port, http::verb::post, base + "/decks", k_pdf, "application/pdf");
    CHECK(r.status == 400);
    CHECK_THAT(r.body["error"].get<std::string>(), Catch::Contains("name"));
    r = post(port, base + "/events", json::array({{{"type", "chat"}}, {{"text", "no type"}}}));
    CHECK(r.status == 400);
    CHECK_THAT(r.body["error"].get<std::string>(), Catch::Contains("[1].type"));
}

TEST_CASE("stopping the recorder finalises open sessions", "[integration][ingest][recorder]") {
    tafel::test::TempDir dir("tafel-recorder-shutdown");
    const storage::Layout layout(dir.path());
    ingest::test::FakeCatalog catalog;
    std::atomic<int> stopped_calls{0};
    auto recorder = Recorder::create(RecorderOptions{"127.0.0.1", 0, 46000, 46999}, catalog, layout,
                                     [&](const std::string&) { ++stopped_calls; });
    REQUIRE(recorder);
    REQUIRE((*recorder)->start());
    const auto port = (*recorder)->control_port();
    auto created = post(port, "/api/v1/sessions", k_session);
    REQUIRE(created.status == 201);
    const std::string id = created.body["id"];
    auto video = post(port, "/api/v1/sessions/" + id + "/streams", k_video);
    REQUIRE(video.status == 201);
    net::io_context io;
    net::ip::udp::socket sender(io, net::ip::udp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    const auto packets = vp8_packets(3);
    for (const auto& p : packets) {
        sender.send_to(net::buffer(p), net::ip::udp::endpoint(net::ip::make_address("127.0.0.1"),
                                                              video.body["port"].get<std::uint16_t>()));
    }
    REQUIRE(eventually([&] {
        return request(port, http::verb::get, "/api/v1/sessions/" + id).body["tracks"][0]["packets"] == 6;
    }));
    // Crash safety: while still recording, the periodic flush (250 ms) puts every packet into
    // the .tmp file, where a reader after a crash would find it.
    const auto raw = layout.raw_dir(id);
    auto open_info = read_recording_info(raw);
    REQUIRE(open_info);
    CHECK_FALSE(open_info->stopped);
    REQUIRE(eventually([&] {
        auto on_disk = read_pcap(raw / "tracks" / "t1.pcap", open_info->anchor);
        return on_disk && on_disk->size() == 6;
    }));
    CHECK(std::filesystem::exists(raw / "tracks" / "t1.pcap.tmp"));
    (*recorder)->stop();
    CHECK(stopped_calls == 1);
    CHECK(std::filesystem::exists(raw / "tracks" / "t1.pcap"));
    auto info = read_recording_info(raw);
    REQUIRE(info);
    CHECK(info->stopped);
    auto records = read_pcap(raw / "tracks" / "t1.pcap", info->anchor);
    REQUIRE(records);
    CHECK(records->size() == 6);
    auto jobs = catalog.jobs_of(id);
    REQUIRE(jobs);
    CHECK(jobs->size() == 2); // render + audio-only preview
}
