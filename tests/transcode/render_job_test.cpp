#include "transcode/render_job.hpp"

#include "ingest/pcap_writer.hpp"
#include "ingest/raw_recording.hpp"
#include "transcode/slide_renderer.hpp"

#include "test_media.hpp"

#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <numbers>

using namespace tafel;
using namespace tafel::transcode;
using namespace tafel::transcode::test;

namespace {

constexpr std::int64_t k_start_us = 1'700'000'000'000'000;
constexpr std::int64_t k_duration_us = 4'000'000;
const ClockAnchor k_anchor{ArrivalTime{10'000'000'000}, WallTime{k_start_us}};

ArrivalTime arrival_at(std::int64_t lesson_us) { return ArrivalTime{k_anchor.arrival.ns + lesson_us * 1000}; }

void put16(std::vector<std::uint8_t>& b, std::uint16_t v) {
    b.push_back(static_cast<std::uint8_t>(v >> 8));
    b.push_back(static_cast<std::uint8_t>(v));
}
void put32(std::vector<std::uint8_t>& b, std::uint32_t v) {
    put16(b, static_cast<std::uint16_t>(v >> 16));
    put16(b, static_cast<std::uint16_t>(v));
}

// RFC 3550 5.1 fixed header + payload.
std::vector<std::uint8_t> rtp(int pt, bool marker, std::uint16_t seq, std::uint32_t ts, std::uint32_t ssrc,
                              std::span<const std::uint8_t> payload_prefix, std::span<const std::uint8_t> payload) {
    std::vector<std::uint8_t> b{0x80, static_cast<std::uint8_t>((marker ? 0x80 : 0) | pt)};
    put16(b, seq);
    put32(b, ts);
    put32(b, ssrc);
    b.insert(b.end(), payload_prefix.begin(), payload_prefix.end());
    b.insert(b.end(), payload.begin(), payload.end());
    return b;
}

// RFC 3550 6.4.1 sender report without report blocks.
std::vector<std::uint8_t> sender_report(std::uint32_t ssrc, WallTime when, std::uint32_t rtp_ts) {
    std::vector<std::uint8_t> b{0x80, 200};
    put16(b, 6);
    put32(b, ssrc);
    const std::uint64_t ntp = ntp_from_wall(when);
    put32(b, static_cast<std::uint32_t>(ntp >> 32));
    put32(b, static_cast<std::uint32_t>(ntp));
    put32(b, rtp_ts);
    put32(b, 100);
    put32(b, 10000);
    return b;
}

struct TrackWriter {
    ingest::PcapWriter pcap;
    std::uint16_t port;
    std::uint16_t seq = 1000;

    void send(ArrivalTime at, const std::vector<std::uint8_t>& datagram) {
        const ingest::UdpEndpoint from{{10, 0, 0, 7}, 5004};
        const ingest::UdpEndpoint to{{127, 0, 0, 1}, port};
        REQUIRE(pcap.append(at, from, to, datagram).has_value());
    }
};

TrackWriter open_track(const std::filesystem::path& dir, const std::string& id, std::uint16_t port) {
    auto pcap = ingest::PcapWriter::create(dir / "tracks" / (id + ".pcap"), k_anchor);
    REQUIRE(pcap.has_value());
    return TrackWriter{std::move(*pcap), port};
}

// VP8 over RTP (RFC 7741 4.2): one-byte descriptor, S bit on a frame's first packet.
void write_vp8_track(const std::filesystem::path& dir, std::uint32_t ssrc, std::int64_t network_delay_us) {
    auto w = open_track(dir, "t1", 40000);
    const std::uint32_t ts0 = 3'000'000'000u;  // wraps past 2^32 during the track
    // RFC 3550 6.4.1: the sender says rtp ts0 was sampled at the lesson start.
    w.send(arrival_at(50'000), sender_report(ssrc, WallTime{k_start_us}, ts0));
    auto frames = encode_vp8(320, 240, 60, Yuv{60, 128, 128});           // 0..2 s dark
    auto second = encode_vp8(320, 240, 60, Yuv{200, 128, 128});          // 2..4 s bright
    frames.insert(frames.end(), second.begin(), second.end());
    for (std::size_t k = 0; k < frames.size(); ++k) {
        const auto ts = static_cast<std::uint32_t>(ts0 + k * 3000);
        const std::int64_t lesson_us = static_cast<std::int64_t>(k) * 1'000'000 / 30;
        const auto& f = frames[k];
        for (std::size_t off = 0; off < f.size(); off += 1000) {
            const std::size_t n = std::min<std::size_t>(1000, f.size() - off);
            const std::uint8_t descriptor = off == 0 ? 0x10 : 0x00;
            w.send(arrival_at(lesson_us + network_delay_us),
                   rtp(96, off + n == f.size(), w.seq++, ts, ssrc, std::span(&descriptor, 1),
                       std::span(f).subspan(off, n)));
        }
    }
    REQUIRE(w.pcap.close().has_value());
}

void write_opus_track(const std::filesystem::path& dir, const std::string& id, std::uint16_t port, std::uint32_t ssrc,
                      double hz, std::int64_t from_us, std::int64_t to_us) {
    auto w = open_track(dir, id, port);
    const int packets = static_cast<int>((to_us - from_us) / 20'000);
    auto encoded = encode_opus_sine(packets, hz, 0.3, 2);
    for (int p = 0; p < packets; ++p) {
        const std::int64_t lesson_us = from_us + p * 20'000;
        w.send(arrival_at(lesson_us + 20'000),
               rtp(111, false, w.seq++, static_cast<std::uint32_t>(7000 + p * 960), ssrc, {},
                   encoded[static_cast<std::size_t>(p)]));
    }
    REQUIRE(w.pcap.close().has_value());
}

ingest::TrackInfo track(std::string id, ingest::MediaKind kind, std::string participant, std::uint16_t port) {
    ingest::TrackInfo t;
    t.id = id;
    t.kind = kind;
    t.codec = kind == ingest::MediaKind::video ? "VP8" : "opus";
    t.payload_type = kind == ingest::MediaKind::video ? 96 : 111;
    t.clock_rate = kind == ingest::MediaKind::video ? 90000 : 48000;
    t.channels = kind == ingest::MediaKind::video ? 0 : 2;
    t.participant = std::move(participant);
    t.port = port;
    t.file = "tracks/" + id + ".pcap";
    return t;
}

// A 4 s lesson: teacher webcam (dark → bright at 2 s, packets 400 ms late but an RTCP SR
// gives the true time), teacher 440 Hz, Jonas (consent) 1000 Hz from 2 s, Lea (no
// consent) 3000 Hz, slides page 1 then page 2 at 2 s, two chat lines.
std::filesystem::path make_recording(const std::filesystem::path& root, bool stopped = true) {
    const auto dir = root / "raw";
    std::filesystem::create_directories(dir / "tracks");
    std::filesystem::create_directories(dir / "slides");
    write_pdf(dir / "slides" / "d1.pdf", {0xFFF4D0, 0xD0E8FF, 0xE0FFE0});

    ingest::RecordingInfo info;
    info.id = "0123456789abcdef0123456789abcdef01234567-1700000000000";
    info.meeting = {"m1", "Mathe 7b", "klasse-7b"};
    info.started = WallTime{k_start_us};
    if (stopped) info.stopped = WallTime{k_start_us + k_duration_us};
    info.anchor = k_anchor;
    info.participants = {
        {"teacher", "Frau Müller", ingest::Role::moderator, ingest::Consent::unknown},
        {"p1", "Jonas", ingest::Role::viewer, ingest::Consent::granted},
        {"p2", "Lea", ingest::Role::viewer, ingest::Consent::denied},
    };
    info.tracks = {track("t1", ingest::MediaKind::video, "teacher", 40000),
                   track("t2", ingest::MediaKind::audio, "teacher", 40002),
                   track("t3", ingest::MediaKind::audio, "p1", 40004),
                   track("t4", ingest::MediaKind::audio, "p2", 40006)};
    info.decks = {{"d1", "Brüche.pdf", "slides/d1.pdf", 3}};
    REQUIRE(ingest::write_recording_info(dir, info).has_value());

    write_vp8_track(dir, 0x11111111, 400'000);
    write_opus_track(dir, "t2", 40002, 0x22222222, 440, 0, k_duration_us);
    write_opus_track(dir, "t3", 40004, 0x33333333, 1000, 2'000'000, k_duration_us);
    write_opus_track(dir, "t4", 40006, 0x44444444, 3000, 0, k_duration_us);

    std::ofstream events(dir / "events.jsonl");
    auto line = [&](std::int64_t lesson_us, nlohmann::json j) {
        j["t_us"] = k_start_us + lesson_us;
        events << j.dump() << '\n';
    };
    line(0, {{"type", "slide"}, {"deck", "d1"}, {"page", 1}});
    line(1'000'000, {{"type", "chat"}, {"participant", "p1"}, {"name", "Jonas"}, {"text", "Hallo 👋"}});
    line(1'500'000, {{"type", "chat"}, {"participant", "p2"}, {"name", "Lea"}, {"text", "Ich sehe nichts"}});
    line(2'000'000, {{"type", "slide"}, {"deck", "d1"}, {"page", 2}});
    line(2'500'000, {{"type", "whiteboard_draw"}, {"shape", "line"}});
    return dir;
}

std::string run(const std::string& command) {
    std::string out;
    std::FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return out;
    char buffer[65536];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, n);
    pclose(pipe);
    return out;
}

nlohmann::json ffprobe(const std::filesystem::path& file) {
    auto j = nlohmann::json::parse(
        run(fmt::format("ffprobe -v error -count_frames -show_streams -show_format -of json '{}'", file.string())),
        nullptr, false);
    return j.is_discarded() ? nlohmann::json::object() : j;
}

// One decoded frame at `seconds` as BGRA (ffmpeg reads the stream's colour tags itself).
std::string frame_at(const std::filesystem::path& file, double seconds) {
    return run(fmt::format("ffmpeg -v error -ss {:.3f} -i '{}' -frames:v 1 -f rawvideo -pix_fmt bgra -", seconds,
                           file.string()));
}

std::uint32_t pixel(const std::string& bgra, int x, int y) {
    std::uint32_t word = 0;
    std::memcpy(&word, bgra.data() + (static_cast<std::size_t>(y) * 1280 + static_cast<std::size_t>(x)) * 4, 4);
    return word;
}

double slide_psnr(const std::string& bgra, const ArgbImage& slide) {
    double sum = 0;
    std::size_t count = 0;
    for (int y = 0; y < slide.height; ++y) {
        for (int x = 0; x < slide.width; ++x) {
            const auto a = pixel(bgra, x, y);
            const auto b = slide.at(x, y);
            for (int shift : {0, 8, 16}) {
                const double d = static_cast<double>((a >> shift) & 0xff) - static_cast<double>((b >> shift) & 0xff);
                sum += d * d;
                ++count;
            }
        }
    }
    const double mse = sum / static_cast<double>(count);
    return mse == 0 ? 99.0 : 10.0 * std::log10(255.0 * 255.0 / mse);
}

// Goertzel power of `hz` in the left channel of [from_s, to_s) of interleaved stereo float.
double tone_level(const std::vector<float>& pcm, double hz, double from_s, double to_s) {
    const auto begin = static_cast<std::size_t>(from_s * 48000);
    const auto end = std::min(pcm.size() / 2, static_cast<std::size_t>(to_s * 48000));
    const double coeff = 2 * std::cos(2 * std::numbers::pi * hz / 48000);
    double s1 = 0;
    double s2 = 0;
    for (std::size_t i = begin; i < end; ++i) {
        const double s = pcm[i * 2] + coeff * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    const double n = static_cast<double>(end - begin);
    // Amplitude of the sinusoid at hz (2/N normalisation).
    return 2.0 * std::sqrt(std::max(0.0, s1 * s1 + s2 * s2 - coeff * s1 * s2)) / n;
}

} // namespace

TEST_CASE("render_recording turns a raw recording into a checked lesson video", "[integration]") {
    TempDir tmp;
    const auto raw = make_recording(tmp.path());
    const auto out = tmp.path() / "out";
    RenderOptions options;
    options.output.threads = 2;
    std::vector<int> progress;
    auto summary = render_recording(raw, out, options, [&](int permille) {
        progress.push_back(permille);
        return true;
    });
    REQUIRE(summary.has_value());
    CHECK(summary->duration_ms == 4000);
    CHECK(summary->frames == 60);
    CHECK(summary->audio_samples == 4 * 48000);
    CHECK(summary->audio_tracks == 2);          // Lea's microphone is never used
    CHECK(summary->webcam);
    // The camera's 120 frames run to 3.967 s; the last output frame is at 3.933 s.
    CHECK(summary->webcam_pictures == 119);
    CHECK(summary->slide_changes == 2);
    CHECK(summary->chat_lines == 2);
    REQUIRE_FALSE(progress.empty());
    CHECK(std::is_sorted(progress.begin(), progress.end()));
    CHECK(progress.back() == 1000);

    {   // WebM: VP8 + Opus, 1280x720, 60 frames, 4 s
        const auto probe = ffprobe(out / "lesson.webm");
        REQUIRE(probe.contains("streams"));
        REQUIRE(probe["streams"].size() == 2);
        const auto& v = probe["streams"][0];
        CHECK(v["codec_name"] == "vp8");
        CHECK(v["width"] == 1280);
        CHECK(v["height"] == 720);
        CHECK(v["nb_read_frames"] == "60");
        CHECK(probe["streams"][1]["codec_name"] == "opus");
        CHECK(std::stod(probe["format"]["duration"].get<std::string>()) == Approx(4.0).margin(0.1));
    }
    {   // MP4: H.264 + AAC
        const auto probe = ffprobe(out / "lesson.mp4");
        REQUIRE(probe.contains("streams"));
        REQUIRE(probe["streams"].size() == 2);
        CHECK(probe["streams"][0]["codec_name"] == "h264");
        CHECK(probe["streams"][0]["nb_read_frames"] == "60");
        CHECK(probe["streams"][1]["codec_name"] == "aac");
        CHECK(std::stod(probe["format"]["duration"].get<std::string>()) == Approx(4.0).margin(0.1));
    }
    {   // the slide area shows the right page at the right time
        const auto page1 = render_pdf_page(raw / "slides" / "d1.pdf", 1, 960, 720);
        const auto page2 = render_pdf_page(raw / "slides" / "d1.pdf", 2, 960, 720);
        REQUIRE(page1.has_value());
        REQUIRE(page2.has_value());
        for (const auto& file : {out / "lesson.webm", out / "lesson.mp4"}) {
            INFO(file.string());
            const auto early = frame_at(file, 1.0);
            const auto late = frame_at(file, 3.0);
            REQUIRE(early.size() == 1280u * 720u * 4u);
            REQUIRE(late.size() == 1280u * 720u * 4u);
            CHECK(slide_psnr(early, *page1) >= 30.0);
            CHECK(slide_psnr(late, *page2) >= 30.0);
            CHECK(slide_psnr(late, *page1) < 30.0);
        }
    }
    {   // the webcam follows the sender report, not the late packets
        // The camera turns bright at 2.0 s (RTCP SR time); its packets arrived 0.4 s late.
        const auto before = frame_at(out / "lesson.webm", 1.8);
        const auto after = frame_at(out / "lesson.webm", 2.2);
        REQUIRE(after.size() == 1280u * 720u * 4u);
        REQUIRE(before.size() == 1280u * 720u * 4u);
        CHECK(green(pixel(before, 1120, 90)) < 80);
        CHECK(green(pixel(after, 1120, 90)) > 180);
    }
    {   // audio: the teacher throughout, Jonas from 2 s, never Lea
        const std::string raw_pcm =
            run(fmt::format("ffmpeg -v error -i '{}' -map 0:a -f f32le -ac 2 -ar 48000 -", (out / "lesson.webm").string()));
        std::vector<float> pcm(raw_pcm.size() / sizeof(float));
        std::memcpy(pcm.data(), raw_pcm.data(), pcm.size() * sizeof(float));
        REQUIRE(pcm.size() >= 2u * 48000u * 39u / 10u);
        CHECK(tone_level(pcm, 440, 0.5, 1.5) == Approx(0.3).margin(0.08));
        CHECK(tone_level(pcm, 440, 2.5, 3.5) == Approx(0.3).margin(0.08));
        CHECK(tone_level(pcm, 1000, 0.5, 1.5) < 0.02);
        CHECK(tone_level(pcm, 1000, 2.5, 3.5) == Approx(0.3).margin(0.08));
        CHECK(tone_level(pcm, 3000, 0.5, 3.5) < 0.02);
    }
    {   // chat.json and manifest.json
        std::ifstream chat_file(out / "chat.json");
        const auto chat = nlohmann::json::parse(chat_file);
        REQUIRE(chat.size() == 2);
        CHECK(chat[0]["t_ms"] == 1000);
        CHECK(chat[0]["name"] == "Jonas");
        CHECK(chat[0]["text"] == "Hallo 👋");
        CHECK(chat[1]["t_ms"] == 1500);
        CHECK(chat[1]["name"] == "Schüler·in 1");

        std::ifstream manifest_file(out / "manifest.json");
        const auto m = nlohmann::json::parse(manifest_file);
        CHECK(m["id"] == "0123456789abcdef0123456789abcdef01234567-1700000000000");
        CHECK(m["title"] == "Mathe 7b");
        CHECK(m["context"] == "klasse-7b");
        CHECK(m["duration_ms"] == 4000);
        CHECK(m["started_utc_us"] == k_start_us);
        REQUIRE(m["files"].size() == 3);
        for (const auto& f : m["files"]) {
            INFO(f.dump());
            CHECK(f["bytes"] == std::filesystem::file_size(out / f["name"].get<std::string>()));
        }
        CHECK(m["files"][0]["mime"] == "video/webm");
        CHECK(m["layout"]["slide"] == nlohmann::json({{"x", 0}, {"y", 0}, {"w", 960}, {"h", 720}}));
        CHECK(m["layout"]["webcam"]["w"] == 320);
        CHECK(m["layout"]["chat"]["y"] == 180);
    }
}

TEST_CASE("render_recording stops when progress says cancel", "[integration]") {
    TempDir tmp;
    const auto raw = make_recording(tmp.path());
    RenderOptions options;
    options.output.mp4 = false;
    options.output.threads = 1;
    int calls = 0;
    auto summary = render_recording(raw, tmp.path() / "out", options, [&](int permille) {
        ++calls;
        return permille < 300;
    });
    REQUIRE_FALSE(summary.has_value());
    CHECK(summary.error().code == Errc::cancelled);
    CHECK_THAT(summary.error().message, Catch::Contains("cancelled"));
    CHECK_FALSE(std::filesystem::exists(tmp.path() / "out" / "manifest.json"));
}

TEST_CASE("render_recording refuses a recording that was never stopped", "[integration]") {
    TempDir tmp;
    const auto raw = make_recording(tmp.path(), false);
    auto summary = render_recording(raw, tmp.path() / "out", RenderOptions{}, {});
    REQUIRE_FALSE(summary.has_value());
    CHECK(summary.error().code == Errc::invalid_argument);
    CHECK_THAT(summary.error().message, Catch::Contains("stopped_utc_us"));
}

namespace {

// A stream's duration from ffprobe: MP4 states it, Matroska only as a "DURATION" tag.
double stream_seconds(const nlohmann::json& stream) {
    if (stream.contains("duration")) return std::stod(stream["duration"].get<std::string>());
    const auto tag = stream.value("tags", nlohmann::json::object()).value("DURATION", std::string("0:0:0"));
    int h = 0, m = 0;
    double s = 0;
    if (std::sscanf(tag.c_str(), "%d:%d:%lf", &h, &m, &s) != 3) return 0;
    return h * 3600.0 + m * 60.0 + s;
}

} // namespace

TEST_CASE("render_recording cuts paused spans from video and audio alike", "[integration]") {
    TempDir tmp;
    const auto raw = make_recording(tmp.path());
    {   // paused from 1.0 s to 2.5 s of the 4 s lesson: 2.5 s remain
        std::ofstream events(raw / "events.jsonl", std::ios::app);
        events << nlohmann::json{{"t_us", k_start_us + 1'000'000}, {"type", "recording_paused"}}.dump() << '\n';
        events << nlohmann::json{{"t_us", k_start_us + 2'500'000}, {"type", "recording_resumed"}}.dump() << '\n';
    }
    const auto out = tmp.path() / "out";
    RenderOptions options;
    options.output.threads = 2;
    auto summary = render_recording(raw, out, options, {});
    REQUIRE(summary.has_value());
    CHECK(summary->duration_ms == 2500);
    CHECK(summary->paused_ms == 1500);
    CHECK(summary->frames == 38);               // ceil(2.5 s × 15 fps)
    CHECK(summary->audio_samples == 2500 * 48);

    for (const auto& file : {out / "lesson.webm", out / "lesson.mp4"}) {
        INFO(file.string());
        const auto probe = ffprobe(file);
        REQUIRE(probe.contains("streams"));
        REQUIRE(probe["streams"].size() == 2);
        // duration = lesson − pauses, ± 1 frame (1/15 s), for each stream
        for (const auto& s : probe["streams"]) {
            INFO(s.dump());
            CHECK(stream_seconds(s) == Approx(2.5).margin(1.0 / 15 + 0.03));
        }
        CHECK(probe["streams"][0]["nb_read_frames"] == "38");
    }
    {   // before the cut: page 1 and a dark camera; after it: page 2 and a bright camera
        const auto page1 = render_pdf_page(raw / "slides" / "d1.pdf", 1, 960, 720);
        const auto page2 = render_pdf_page(raw / "slides" / "d1.pdf", 2, 960, 720);
        REQUIRE(page1.has_value());
        REQUIRE(page2.has_value());
        const auto before = frame_at(out / "lesson.mp4", 0.6);
        const auto after = frame_at(out / "lesson.mp4", 1.4);
        REQUIRE(before.size() == 1280u * 720u * 4u);
        REQUIRE(after.size() == 1280u * 720u * 4u);
        CHECK(slide_psnr(before, *page1) >= 30.0);
        CHECK(slide_psnr(after, *page2) >= 30.0);
        CHECK(green(pixel(before, 1120, 90)) < 80);
        CHECK(green(pixel(after, 1120, 90)) > 180);
    }
    {   // Jonas (1000 Hz, from lesson 2.0 s) is heard right after the cut, not before it
        const std::string raw_pcm =
            run(fmt::format("ffmpeg -v error -i '{}' -map 0:a -f f32le -ac 2 -ar 48000 -", (out / "lesson.webm").string()));
        std::vector<float> pcm(raw_pcm.size() / sizeof(float));
        std::memcpy(pcm.data(), raw_pcm.data(), pcm.size() * sizeof(float));
        REQUIRE(pcm.size() >= 2u * 48000u * 24u / 10u);
        CHECK(tone_level(pcm, 1000, 0.1, 0.9) < 0.02);
        CHECK(tone_level(pcm, 1000, 1.1, 2.3) == Approx(0.3).margin(0.08));
        CHECK(tone_level(pcm, 440, 0.1, 2.3) == Approx(0.3).margin(0.08));
    }
    {   // chat times are output times: Lea wrote during the pause, shown at the resume
        std::ifstream chat_file(out / "chat.json");
        const auto chat = nlohmann::json::parse(chat_file);
        REQUIRE(chat.size() == 2);
        CHECK(chat[0]["t_ms"] == 1000);
        CHECK(chat[1]["t_ms"] == 1000);
        std::ifstream manifest_file(out / "manifest.json");
        CHECK(nlohmann::json::parse(manifest_file)["duration_ms"] == 2500);
    }
}
