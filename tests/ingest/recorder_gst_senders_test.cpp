// Issue 3, "Must show": real RTP from GStreamer senders over loopback for VP8, VP9, H.264 and
// Opus, sequence numbers and RTP timestamps starting just before their wrap (the payloaders'
// seqnum-offset / timestamp-offset), recorded by the in-process recorder. A tee after each
// payloader keeps a copy of every packet GStreamer sent (rtpstreampay: RFC 4571 framing); the
// pcaps must hold exactly those datagrams in order, tshark must read them with the right
// per-stream counts and both wraps, and our depacketizers must rebuild every frame. The
// sender is one gst-launch-1.0 process (a checker's tool; the product never runs it).
#include "fake_catalog.hpp"
#include "http_client.hpp"
#include "ingest/raw_recording.hpp"
#include "ingest/recorder.hpp"
#include "ingest/track_reader.hpp"
#include "recorded_media.hpp"
#include "shell_output.hpp"
#include "storage/layout.hpp"
#include "tests/support/temp_dir.hpp"

#include "ingest/pcap_reader.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>

using namespace tafel;
using namespace tafel::ingest;
using nlohmann::json;

namespace {

// The 16-bit wrap after 6 packets (a VP8 stream of small frames is one packet a frame).
constexpr std::uint16_t k_seqnum_offset = 65'530;
// 45,000 ticks before the 32-bit wrap: 0.5 s of video, 0.94 s of Opus, more than an encoder's
// start-up latency (GStreamer adds the running time), less than the 1 s each stream lasts.
constexpr std::uint32_t k_timestamp_offset = 4'294'922'296u;
constexpr int k_video_frames = 30;                           // 1 s at 30 fps
constexpr int k_opus_frames = 50;                            // 1 s of 20 ms frames

struct SenderCase {
    std::string name;   // the element names' suffix
    json stream;        // the add-stream request
    std::string branch; // source ! encoder, gst-launch syntax
    std::string pay;    // the payloader with its properties, without seqnum/timestamp offsets
    int frames = 0;
};

// The packets of an RFC 4571 stream (a 16-bit length before each).
std::vector<std::vector<std::uint8_t>> rfc4571_packets(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    const std::vector<std::uint8_t> b{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    std::vector<std::vector<std::uint8_t>> out;
    for (std::size_t off = 0; off + 2 <= b.size();) {
        const std::size_t n = (std::size_t{b[off]} << 8) | b[off + 1];
        REQUIRE(off + 2 + n <= b.size());
        out.emplace_back(b.begin() + static_cast<std::ptrdiff_t>(off + 2),
                         b.begin() + static_cast<std::ptrdiff_t>(off + 2 + n));
        off += 2 + n;
    }
    return out;
}

} // namespace

TEST_CASE("GStreamer senders of VP8, VP9, H.264 and Opus across the seq and timestamp wrap are recorded whole",
          "[integration][ingest][gstreamer]") {
    tafel::test::TempDir dir("tafel-recorder-gst");
    const storage::Layout layout(dir.path());
    ingest::test::FakeCatalog catalog;
    auto created = Recorder::create(RecorderOptions{"127.0.0.1", 0, 47750, 47799}, catalog, layout);
    REQUIRE(created);
    auto& recorder = **created;
    REQUIRE(recorder.start());
    const std::uint16_t control = recorder.control_port();
    const std::string id =
        ingest::test::http_post(control, "/api/v1/sessions",
                                {{"meeting_id", "gst-senders"},
                                 {"name", "Musik 6"},
                                 {"participants", {{{"id", "t"}, {"name", "T"}, {"role", "moderator"}}}}})
            .json()["id"];
    const std::string video_source = "videotestsrc is-live=true pattern=ball num-buffers={} ! "
                                     "video/x-raw,width=320,height=240,framerate=30/1";
    const std::vector<SenderCase> cases = {
        {"vp8",
         {{"kind", "video"}, {"codec", "VP8"}, {"payload_type", 96}, {"clock_rate", 90000}},
         fmt::format(fmt::runtime(video_source), k_video_frames) +
             " ! vp8enc deadline=1 cpu-used=8 keyframe-max-dist=15",
         "rtpvp8pay pt=96 mtu=600",
         k_video_frames},
        {"vp9",
         {{"kind", "video"}, {"codec", "VP9"}, {"payload_type", 98}, {"clock_rate", 90000}},
         fmt::format(fmt::runtime(video_source), k_video_frames) +
             " ! vp9enc deadline=1 cpu-used=8 keyframe-max-dist=15",
         "rtpvp9pay pt=98 mtu=600",
         k_video_frames},
        {"h264",
         {{"kind", "video"},
          {"codec", "H264"},
          {"payload_type", 102},
          {"clock_rate", 90000},
          {"fmtp", "packetization-mode=1;profile-level-id=42e01f"}},
         fmt::format(fmt::runtime(video_source), k_video_frames) +
             " ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! "
             "video/x-h264,profile=constrained-baseline",
         "rtph264pay pt=102 mtu=600 config-interval=-1",
         k_video_frames},
        {"opus",
         {{"kind", "audio"}, {"codec", "opus"}, {"payload_type", 111}, {"clock_rate", 48000}, {"channels", 2}},
         fmt::format("audiotestsrc is-live=true wave=sine num-buffers={} samplesperbuffer=960 ! "
                     "audio/x-raw,rate=48000,channels=2 ! opusenc frame-size=20",
                     k_opus_frames),
         "rtpopuspay pt=111",
         k_opus_frames}};

    // One stream per case; one pipeline with a branch per stream, each to its port.
    std::vector<std::uint16_t> ports;
    std::string description;
    for (const auto& c : cases) {
        json request = c.stream;
        request["participant"] = "t";
        const json grant = ingest::test::http_post(control, "/api/v1/sessions/" + id + "/streams", request).json();
        REQUIRE(grant.contains("port"));
        ports.push_back(grant["port"]);
        // The payloader's output goes to the recorder and, through a tee, into a file.
        description += fmt::format("{} ! {} seqnum-offset={} timestamp-offset={} ! tee name=t_{} "
                                   "t_{}. ! queue ! udpsink host=127.0.0.1 port={} sync=true "
                                   "t_{}. ! queue ! rtpstreampay ! filesink location='{}' ",
                                   c.branch, c.pay, k_seqnum_offset, k_timestamp_offset, c.name, c.name, ports.back(),
                                   c.name, (dir.path() / (c.name + ".rfc4571")).string());
    }
    const std::string command = "timeout 120 gst-launch-1.0 -q " + description;
    INFO(command);
    REQUIRE(std::system(command.c_str()) == 0);
    std::vector<std::vector<std::vector<std::uint8_t>>> sent_packets;
    std::vector<std::uint64_t> sent;
    for (const auto& c : cases) {
        sent_packets.push_back(rfc4571_packets(dir.path() / (c.name + ".rfc4571")));
        sent.push_back(sent_packets.back().size());
    }

    // The recorder has every packet GStreamer sent (loopback, paced by the pipeline clock).
    for (std::size_t i = 0; i < cases.size(); ++i) {
        INFO(cases[i].name << ": " << sent[i] << " RTP packets sent");
        CHECK(sent[i] > static_cast<std::uint64_t>(cases[i].frames) - 1);
        CHECK(ingest::test::wait_until([&] {
            const json status = ingest::test::http_get(control, "/api/v1/sessions/" + id).json();
            return status["tracks"][i]["packets"] == sent[i];
        }));
    }
    REQUIRE(ingest::test::http_post(control, "/api/v1/sessions/" + id + "/stop", json::object()).status == 200);
    const auto raw = layout.raw_dir(id);
    auto info = read_recording_info(raw);
    REQUIRE(info);
    REQUIRE(info->tracks.size() == cases.size());

    for (std::size_t i = 0; i < cases.size(); ++i) {
        const auto& c = cases[i];
        INFO(c.name);
        // The pcap holds exactly the datagrams GStreamer sent, in order.
        auto records = read_pcap(raw / info->tracks[i].file, info->anchor);
        REQUIRE(records);
        REQUIRE(records->size() == sent_packets[i].size());
        std::size_t same = 0;
        for (std::size_t k = 0; k < records->size(); ++k) {
            if ((*records)[k].payload == sent_packets[i][k]) ++same;
        }
        CHECK(same == records->size());
        // tshark: one RTP packet per record, the sequence numbers and timestamps across the wrap.
        const auto file = raw / info->tracks[i].file;
        const auto out =
            ingest::test::shell_output(fmt::format("tshark -r '{}' -d udp.port=={},rtp -Y rtp -T fields -e rtp.seq "
                                                   "-e rtp.timestamp -e rtp.p_type 2>/dev/null",
                                                   file.string(), ports[i]));
        std::istringstream lines(out);
        std::string line;
        std::uint64_t packets = 0;
        bool seq_before_wrap = false, seq_after_wrap = false, ts_before_wrap = false, ts_after_wrap = false;
        std::uint64_t first_seq = 0;
        while (std::getline(lines, line)) {
            std::istringstream fields(line);
            std::uint64_t seq = 0, ts = 0;
            int pt = 0;
            REQUIRE((fields >> seq >> ts >> pt));
            if (packets == 0) first_seq = seq;
            ++packets;
            CHECK(pt == c.stream["payload_type"].get<int>());
            seq_before_wrap |= seq == 65'535;
            seq_after_wrap |= seq == 0;
            ts_before_wrap |= ts >= k_timestamp_offset;
            ts_after_wrap |= ts < 100'000;
        }
        CHECK(packets == sent[i]);
        CHECK(first_seq == k_seqnum_offset);
        CHECK(seq_before_wrap);
        CHECK(seq_after_wrap);
        CHECK(ts_before_wrap);
        CHECK(ts_after_wrap);
        // Our depacketizers rebuild every frame GStreamer encoded, across both wraps.
        auto reader = TrackReader::open(raw, info->tracks[i], info->anchor);
        REQUIRE(reader);
        const int frames = ingest::test::read_all_frames(**reader);
        // Video: the frames GStreamer encoded. Opus: one frame per packet (RFC 7587 4.2);
        // opusenc flushes one more frame at the end than it was given buffers.
        CHECK(frames == (c.name == "opus" ? static_cast<int>(sent[i]) : c.frames));
    }
    recorder.stop();
}
