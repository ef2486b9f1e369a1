#include "ingest/capture_import.hpp"
#include "ingest/track_reader.hpp"
#include "packet_builder.hpp"
#include "recorded_media.hpp"
#include "tests/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace tafel;
using namespace tafel::ingest;

namespace {

using ByteVec = std::vector<std::uint8_t>;

void le32(ByteVec& b, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// A classic pcap (µs, Ethernet) being built datagram by datagram.
struct Capture {
    ByteVec bytes;
    Capture() {
        for (std::uint32_t v : {0xa1b2c3d4u, 0x00040002u, 0u, 0u, 65535u, 1u}) le32(bytes, v);
    }
    void add(std::int64_t t_us, std::uint16_t dport, const ByteVec& payload) {
        ByteVec f(12, 0x02);
        f.insert(f.end(), {0x08, 0x00});
        const auto ip_len = static_cast<std::uint16_t>(28 + payload.size());
        f.insert(f.end(), {0x45, 0, static_cast<std::uint8_t>(ip_len >> 8), static_cast<std::uint8_t>(ip_len), 0, 0, 0x40, 0,
                           64, 17, 0, 0, 192, 168, 1, 10, 192, 168, 1, 20, 0x13, 0x88,
                           static_cast<std::uint8_t>(dport >> 8), static_cast<std::uint8_t>(dport),
                           static_cast<std::uint8_t>((ip_len - 20) >> 8), static_cast<std::uint8_t>(ip_len - 20), 0, 0});
        f.insert(f.end(), payload.begin(), payload.end());
        le32(bytes, static_cast<std::uint32_t>(1'700'000'000 + t_us / 1'000'000));
        le32(bytes, static_cast<std::uint32_t>(t_us % 1'000'000));
        le32(bytes, static_cast<std::uint32_t>(f.size()));
        le32(bytes, static_cast<std::uint32_t>(f.size()));
        bytes.insert(bytes.end(), f.begin(), f.end());
    }
    std::filesystem::path write(const std::filesystem::path& path) const {
        std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        return path;
    }
};

constexpr std::uint32_t k_video_ssrc = 0xaaaa0001;
constexpr std::uint32_t k_audio_ssrc = 0xbbbb0002;
constexpr std::uint64_t k_ntp_1700000000 = (1'700'000'000ULL + 2'208'988'800ULL) << 32;

// One second of a lesson: VP8 at 30 fps (a keyframe first), Opus every 20 ms on its own
// port with RTCP muxed, video RTCP on the next port, and a stray DNS datagram.
Capture lesson(bool vp8_keyframe_signature = true) {
    Capture c;
    for (int i = 0; i < 30; ++i) {
        const bool key = i == 0;
        ByteVec vp8{0x10, static_cast<std::uint8_t>(key ? 0x00 : 0x01), 0x00, 0x00};
        if (key && vp8_keyframe_signature) vp8.insert(vp8.end(), {0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01});
        vp8.push_back(static_cast<std::uint8_t>(i));
        ingest::test::RtpFields f;
        f.ssrc = k_video_ssrc;
        f.seq = static_cast<std::uint16_t>(65530 + i);   // wraps during the capture
        f.timestamp = static_cast<std::uint32_t>(1000 + 3000 * i);
        f.marker = true;
        c.add(i * 33'333, 5004, ingest::test::rtp(f, vp8));
    }
    for (int i = 0; i < 50; ++i) {
        ingest::test::RtpFields f;
        f.payload_type = 111;
        f.ssrc = k_audio_ssrc;
        f.seq = static_cast<std::uint16_t>(i);
        f.timestamp = static_cast<std::uint32_t>(960 * i);
        c.add(5'000 + i * 20'000, 5006, ingest::test::rtp(f, {0xfc, 0xff, 0xfe}));
    }
    c.add(500'000, 5005, ingest::test::rtcp_sr(k_video_ssrc, k_ntp_1700000000, 1000));
    c.add(600'000, 5006, ingest::test::rtcp_sr(k_audio_ssrc, k_ntp_1700000000, 0));
    c.add(700'000, 53, {0x12, 0x34, 0x01, 0x00});
    return c;
}

std::vector<EncodedFrame> frames_of(const ImportSummary& s, std::size_t track, std::size_t* reports = nullptr) {
    auto reader = TrackReader::open(s.recording_dir, s.info.tracks[track], s.info.anchor);
    REQUIRE(reader);
    auto out = ingest::test::all_frames(**reader);
    if (reports) *reports = (*reader)->sender_reports().size();
    return out;
}

} // namespace

TEST_CASE("import: a capture's RTP streams are detected and become a raw recording", "[integration][ingest][import]") {
    tafel::test::TempDir dir("tafel-import");
    const auto capture = lesson().write(dir.path() / "lesson.pcap");
    auto s = import_capture(capture, dir.path() / "raw", {});
    REQUIRE(s);
    CHECK(s->datagrams == 83);
    CHECK(s->ignored == 1);

    // What the renderer reads: recording.json with a moderator's video and audio.
    auto info = read_recording_info(s->recording_dir);
    REQUIRE(info);
    REQUIRE(info->tracks.size() == 2);
    CHECK(info->tracks[0].codec == "VP8");
    CHECK(info->tracks[0].kind == MediaKind::video);
    CHECK(info->tracks[0].clock_rate == 90000);
    CHECK(info->tracks[0].port == 5004);
    CHECK(info->tracks[1].codec == "opus");
    CHECK(info->tracks[1].payload_type == 111);
    CHECK(info->tracks[1].channels == 2);
    CHECK(info->participant("teacher")->role == Role::moderator);
    CHECK(info->started.utc_us == 1'700'000'000'000'000);
    CHECK(info->stopped->utc_us == 1'700'000'000'985'000);
    CHECK(std::filesystem::exists(s->recording_dir / "events.jsonl"));

    std::size_t video_reports = 0, audio_reports = 0;
    const auto video = frames_of(*s, 0, &video_reports);
    REQUIRE(video.size() == 30);
    CHECK(video[0].keyframe);
    CHECK(video[29].rtp_timestamp - video[0].rtp_timestamp == 29 * 3000);
    CHECK(video_reports == 1);   // RTCP from the next port went with its source
    const auto audio = frames_of(*s, 1, &audio_reports);
    CHECK(audio.size() == 50);
    CHECK(audio_reports == 1);   // muxed RTCP too
    // Arrival times keep the capture's spacing.
    CHECK(audio[1].arrival.ns - audio[0].arrival.ns == 20'000'000);

    SECTION("a second import of the same capture does not overwrite the first") {
        auto again = import_capture(capture, dir.path() / "raw", {});
        REQUIRE_FALSE(again);
        CHECK(again.error().code == Errc::already_exists);
    }
}

TEST_CASE("import: described streams are the only ones imported", "[integration][ingest][import]") {
    tafel::test::TempDir dir("tafel-import");
    const auto capture = lesson(false).write(dir.path() / "lesson.pcap");
    SECTION("a stream without a recognisable keyframe cannot be guessed: the error names it") {
        auto s = import_capture(capture, dir.path() / "raw", {});
        REQUIRE_FALSE(s);
        CHECK(s.error().code == Errc::unsupported);
        CHECK_THAT(s.error().message, Catch::Contains("port 5004") && Catch::Contains("--stream 5004="));
    }
    SECTION("--stream for the audio port only") {
        ImportOptions o;
        o.streams.push_back(*parse_stream_description("5006=opus/48000/2"));
        auto s = import_capture(capture, dir.path() / "raw", o);
        REQUIRE(s);
        REQUIRE(s->info.tracks.size() == 1);
        CHECK(s->info.tracks[0].codec == "opus");
        CHECK(frames_of(*s, 0).size() == 50);
    }
    SECTION("an SDP naming both") {
        auto streams = parse_sdp("v=0\r\nm=video 5004 RTP/AVP 96 97\r\na=rtpmap:96 VP8/90000\r\na=rtpmap:97 rtx/90000\r\n"
                                 "m=audio 5006 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n");
        REQUIRE(streams);
        ImportOptions o;
        o.streams = *streams;
        auto s = import_capture(capture, dir.path() / "raw", o);
        REQUIRE(s);
        REQUIRE(s->info.tracks.size() == 2);
        CHECK(s->info.tracks[0].codec == "VP8");
        // The first frame lacks a keyframe's start code but is a keyframe by its P bit.
        CHECK(frames_of(*s, 0).size() == 30);
    }
}

TEST_CASE("stream descriptions parse from the command line and from SDP", "[unit][ingest][import]") {
    struct Case {
        const char* text;
        bool ok;
        int port, clock, channels, pt;   // pt -1: any
        const char* codec;
    };
    const Case cases[] = {
        {"5004=VP8/90000", true, 5004, 90000, 0, -1, "VP8"},
        {"5006=opus/48000/2:111", true, 5006, 48000, 2, 111, "opus"},
        {"5008=h264/90000:102", true, 5008, 90000, 0, 102, "H264"},
        {"5010=Vp9/90000", true, 5010, 90000, 0, -1, "VP9"},
        {"5006=opus/48000", true, 5006, 48000, 2, -1, "opus"},
        {"5004", false, 0, 0, 0, 0, ""},
        {"0=VP8/90000", false, 0, 0, 0, 0, ""},
        {"70000=VP8/90000", false, 0, 0, 0, 0, ""},
        {"5004=AV1/90000", false, 0, 0, 0, 0, ""},
        {"5004=VP8", false, 0, 0, 0, 0, ""},
        {"5004=VP8/90000:128", false, 0, 0, 0, 0, ""},
    };
    for (const auto& c : cases) {
        INFO(c.text);
        auto d = parse_stream_description(c.text);
        REQUIRE(d.has_value() == c.ok);
        if (!c.ok) {
            CHECK(d.error().code == Errc::invalid_argument);
            CHECK_THAT(d.error().message, Catch::Contains(c.text));
            continue;
        }
        CHECK(d->port == c.port);
        CHECK(d->clock_rate == c.clock);
        CHECK(d->channels == c.channels);
        CHECK(d->payload_type.value_or(-1) == c.pt);
        CHECK(d->codec == c.codec);
    }
    auto bad = parse_sdp("v=0\nm=video x RTP/AVP 96\n");
    REQUIRE_FALSE(bad);
    CHECK_THAT(bad.error().message, Catch::Contains("line 2"));
    CHECK(parse_sdp("v=0\nm=video 5004 RTP/AVP 96\na=rtpmap:96 AV1/90000\n").error().code == Errc::not_found);
}
