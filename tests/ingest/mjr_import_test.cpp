// Janus recordings (.mjr) built byte by byte as Janus's recorder writes them (janus-gateway
// record.c: "MJR00002", a length-prefixed JSON info header, then "MEET" + ms offset + length
// + RTP packet per frame; the legacy v1 "MEETECHO" layout without times), read by MjrReader
// and imported by `tafel import` into a raw recording whose frames and times are checked.
#include "ingest/capture_import.hpp"
#include "ingest/mjr_reader.hpp"
#include "ingest/track_reader.hpp"
#include "packet_builder.hpp"
#include "recorded_media.hpp"
#include "tests/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace tafel;
using namespace tafel::ingest;

namespace {

using ByteVec = std::vector<std::uint8_t>;
constexpr std::int64_t k_first_us = 1'700'000'000'000'000;

struct Mjr {
    ByteVec bytes;
    explicit Mjr(const std::string& json) {
        bytes.insert(bytes.end(), {'M', 'J', 'R', '0', '0', '0', '0', '2'});
        ingest::test::put16(bytes, static_cast<std::uint32_t>(json.size()));
        bytes.insert(bytes.end(), json.begin(), json.end());
    }
    Mjr(bool v1, const std::string& media) {
        (void)v1;
        bytes.insert(bytes.end(), {'M', 'E', 'E', 'T', 'E', 'C', 'H', 'O'});
        ingest::test::put16(bytes, static_cast<std::uint32_t>(media.size()));
        bytes.insert(bytes.end(), media.begin(), media.end());
    }
    void frame(std::uint32_t offset_ms, const ByteVec& packet) {
        bytes.insert(bytes.end(), {'M', 'E', 'E', 'T'});
        ingest::test::put32(bytes, offset_ms);
        ingest::test::put16(bytes, static_cast<std::uint32_t>(packet.size()));
        bytes.insert(bytes.end(), packet.begin(), packet.end());
    }
    void frame_v1(const ByteVec& packet) {
        bytes.insert(bytes.end(), {'M', 'E', 'E', 'T', 'E', 'C', 'H', 'O'});
        ingest::test::put16(bytes, static_cast<std::uint32_t>(packet.size()));
        bytes.insert(bytes.end(), packet.begin(), packet.end());
    }
    std::filesystem::path write(const std::filesystem::path& path) const {
        std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                    static_cast<std::streamsize>(bytes.size()));
        return path;
    }
};

ByteVec vp8_packet(int i, bool key, bool marker) {
    ingest::test::RtpFields f;
    f.marker = marker;
    f.payload_type = 96;
    f.seq = static_cast<std::uint16_t>(65530 + i);
    f.timestamp = static_cast<std::uint32_t>(4'294'960'000u + static_cast<std::uint32_t>(i / 2) * 3000u);
    f.ssrc = 0xaaaa0001;
    ByteVec p{static_cast<std::uint8_t>(i % 2 == 0 ? 0x10 : 0x00)};
    if (i % 2 == 0) {
        p.insert(p.end(), {static_cast<std::uint8_t>(key ? 0x00 : 0x01), 0x00, 0x00});
        if (key) p.insert(p.end(), {0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01});
    }
    p.insert(p.end(), 20, static_cast<std::uint8_t>(i));
    return ingest::test::rtp(f, p);
}

ByteVec opus_packet(int i) {
    ingest::test::RtpFields f;
    f.payload_type = 111;
    f.seq = static_cast<std::uint16_t>(100 + i);
    f.timestamp = static_cast<std::uint32_t>(960 * i);
    f.ssrc = 0xbbbb0002;
    return ingest::test::rtp(f, {0xfc, 0x01, 0x02, 0x03}); // TOC: config 31 (CELT FB 20 ms), stereo, code 0
}

// 1 s of VP8 at 30 fps in two packets a frame (ms offsets as Janus stamps them), and 1 s of
// Opus that started 400 ms later; both written as v2.
std::pair<Mjr, Mjr> session() {
    Mjr video(R"({"t":"v","c":"vp8","s":1699999999990000,"u":1700000000000000})");
    for (int i = 0; i < 60; ++i) video.frame(static_cast<std::uint32_t>((i / 2) * 33), vp8_packet(i, i == 0, i % 2 == 1));
    Mjr audio(R"({"t":"a","c":"opus","f":"useinbandfec=1","s":1699999999990000,"u":1700000000400000})");
    for (int i = 0; i < 50; ++i) audio.frame(static_cast<std::uint32_t>(i * 20), opus_packet(i));
    return {video, audio};
}

std::vector<EncodedFrame> frames_of(const ImportSummary& s, std::size_t track) {
    auto reader = TrackReader::open(s.recording_dir, s.info.tracks.at(track), s.info.anchor);
    REQUIRE(reader);
    return ingest::test::all_frames(**reader);
}

} // namespace

TEST_CASE("mjr: the v2 header and frames are read and a torn tail ends the file", "[unit][ingest][mjr]") {
    auto [video, audio] = session();
    auto bytes = audio.bytes;
    bytes.resize(bytes.size() - 3); // Janus killed mid-write
    auto reader = MjrReader::read(std::make_unique<std::istringstream>(std::string(bytes.begin(), bytes.end())), "a.mjr");
    REQUIRE(reader);
    CHECK(reader->info().version == 2);
    CHECK(reader->info().kind == MediaKind::audio);
    CHECK(reader->info().codec == "opus");
    CHECK(reader->info().fmtp == "useinbandfec=1");
    CHECK(reader->info().first_frame_us == 1'700'000'000'400'000);
    int n = 0;
    std::int64_t last_ms = -1;
    for (;;) {
        auto p = reader->next();
        REQUIRE(p);
        if (!*p) break;
        REQUIRE((*p)->offset_ms.has_value());
        last_ms = *(*p)->offset_ms;
        ++n;
    }
    CHECK(n == 49);
    CHECK(last_ms == 48 * 20);
    CHECK(reader->truncated_tail());
}

TEST_CASE("mjr: malformed headers and frames are rejected naming the file", "[unit][ingest][mjr]") {
    const auto open = [](const std::string& bytes) {
        return MjrReader::read(std::make_unique<std::istringstream>(bytes), "x.mjr");
    };
    CHECK(open("NOTMJR00").error().code == Errc::malformed_input);
    CHECK_THAT(open("NOTMJR00").error().message, Catch::Contains("x.mjr"));
    CHECK(open(std::string("MJR00002\0\x05{\"t\":", 15)).error().code == Errc::malformed_input);
    Mjr data(R"({"t":"d","c":"text","s":1,"u":2})");
    CHECK(open(std::string(data.bytes.begin(), data.bytes.end())).error().code == Errc::unsupported);
    Mjr bad(R"({"t":"v","c":"vp8","s":1,"u":2})");
    bad.bytes.insert(bad.bytes.end(), {'X', 'X', 'X', 'X', 0, 0, 0, 0, 0, 1, 0});
    auto r = open(std::string(bad.bytes.begin(), bad.bytes.end()));
    REQUIRE(r);
    auto p = r->next();
    REQUIRE_FALSE(p);
    CHECK(p.error().code == Errc::malformed_input);
    CHECK_THAT(p.error().message, Catch::Contains("offset"));
}

TEST_CASE("import: a Janus session's .mjr files become one raw recording on one clock", "[integration][ingest][import][mjr]") {
    tafel::test::TempDir dir("tafel-import-mjr");
    auto [video, audio] = session();
    const auto v = video.write(dir.path() / "room-1234-video.mjr");
    const auto a = audio.write(dir.path() / "room-1234-audio.mjr");
    auto s = import_captures({v, a}, dir.path() / "raw", {});
    REQUIRE(s);
    REQUIRE(s->info.tracks.size() == 2);
    CHECK(s->info.tracks[0].codec == "VP8");
    CHECK(s->info.tracks[0].participant == "teacher");
    CHECK(s->info.tracks[1].codec == "opus");
    CHECK(s->info.tracks[1].clock_rate == 48000);
    CHECK(s->info.tracks[1].kind == MediaKind::audio);
    CHECK(s->datagrams == 110);
    CHECK(s->ignored == 0);
    CHECK(s->info.started.utc_us == k_first_us);
    CHECK(s->info.stopped->utc_us == k_first_us + 400'000 + 49 * 20'000);

    const auto vf = frames_of(*s, 0);
    REQUIRE(vf.size() == 30);
    CHECK(vf[0].keyframe);
    CHECK(vf[29].rtp_timestamp - vf[0].rtp_timestamp == 29 * 3000); // across the 32-bit wrap
    const auto af = frames_of(*s, 1);
    REQUIRE(af.size() == 50);
    CHECK(af[0].duration_ticks == 960);
    // The audio started 400 ms after the video: the arrival clock says so (an .mjr has no RTCP).
    CHECK(af[0].arrival.ns - vf[0].arrival.ns == 400'000'000);
}

TEST_CASE("import: a v1 (MEETECHO) recording is timed by its RTP clock", "[integration][ingest][import][mjr]") {
    tafel::test::TempDir dir("tafel-import-mjr1");
    Mjr audio(true, "audio");
    for (int i = 0; i < 50; ++i) audio.frame_v1(opus_packet(i));
    auto s = import_captures({audio.write(dir.path() / "old-audio.mjr")}, dir.path() / "raw", {});
    REQUIRE(s);
    REQUIRE(s->info.tracks.size() == 1);
    CHECK(s->info.tracks[0].codec == "opus");
    const auto af = frames_of(*s, 0);
    REQUIRE(af.size() == 50);
    CHECK(af[49].arrival.ns - af[0].arrival.ns == 49 * 20'000'000);
}

TEST_CASE("import: a pcap cannot be mixed with .mjr files", "[unit][ingest][import][mjr]") {
    tafel::test::TempDir dir("tafel-import-mix");
    auto [video, audio] = session();
    const auto v = video.write(dir.path() / "v.mjr");
    const auto junk = dir.path() / "x.pcap";
    std::ofstream(junk) << "not a capture at all";
    auto s = import_captures({v, junk}, dir.path() / "raw", {});
    REQUIRE_FALSE(s);
    CHECK(s.error().code == Errc::invalid_argument);
    CHECK_THAT(s.error().message, Catch::Contains("x.pcap"));
}
