// tafel-standard-lesson RAW_DIR [--minutes N]: writes issue 5's "standard lesson" as a raw
// recording (docs/architecture.md, "Contract: the raw recording") without playing it in
// real time: the media are encoded with libvpx/libopus and packetized as RTP straight into
// the pcaps with ingest's PcapWriter, with the arrival times a live recorder would have
// stamped. Beside it, RAW_DIR/peer/ holds the same lesson for an ffmpeg CLI filter graph
// (bench/render): the slides as PNGs + an ffconcat list, the cameras as IVF (the very VP8
// frames of the pcaps) and the voices as WAV.
//
// The lesson (10 minutes by default): teacher webcam 640x360 15 fps VP8, three voices
// (teacher and two consenting pupils, Opus), 30 slide changes over a 15-page deck,
// whiteboard pencil strokes on every slide, 2 minutes of 1280x720 screen share at 5 fps
// from 40 % of the lesson, 60 chat messages.
#include "core/time.hpp"
#include "ingest/pcap_writer.hpp"
#include "ingest/raw_recording.hpp"
#include "samples/deck.hpp"
#include "tests/support/opus_encoder.hpp"
#include "tests/support/rtp_packets.hpp"
#include "tests/support/vp8_encoder.hpp"
#include "transcode/slide_renderer.hpp"

#include <cairo.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace tafel;
using tafel::test::fill;
using tafel::test::make_opus_encoder;
using tafel::test::OpusEncoderPtr;
using tafel::test::RtpPacketWriter;
using tafel::test::Vp8Encoder;
using tafel::test::Vp8Fragment;

constexpr std::int64_t k_start_us = 1'767'000'000'000'000; // 2025-12-29, any fixed UTC time
const ClockAnchor k_anchor{ArrivalTime{5'000'000'000}, WallTime{k_start_us}};
constexpr std::int64_t k_network_delay_us = 30'000;
constexpr int k_deck_pages = 15;
constexpr int k_slide_changes = 30;
constexpr int k_chat_messages = 60;

ArrivalTime arrival_at(std::int64_t lesson_us) {
    return ArrivalTime{k_anchor.arrival.ns + (lesson_us + k_network_delay_us) * 1000};
}

void check(bool ok, const std::string& what) {
    if (!ok) throw std::runtime_error(what);
}

template <class T>
void check(const Result<T>& r, const std::string& what) {
    if (!r) throw std::runtime_error(fmt::format("{}: {}", what, r.error().describe()));
}

void put32le(std::ostream& o, std::uint32_t v) {
    const char b[4] = {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 24)};
    o.write(b, 4);
}
void put16le(std::ostream& o, std::uint16_t v) {
    const char b[2] = {static_cast<char>(v), static_cast<char>(v >> 8)};
    o.write(b, 2);
}

// One RTP stream into one pcap: RFC 3550 5.1 headers, an RFC 3550 6.4.1 sender report
// every 5 s tying the RTP clock to the lesson's wall clock.
class RtpTrack {
public:
    RtpTrack(const std::filesystem::path& raw, const ingest::TrackInfo& info, std::uint32_t ssrc)
        : info_(info), writer_(info.payload_type, ssrc, 1), pcap_(open(raw / info.file)) {}

    void send(std::int64_t lesson_us, bool marker, std::span<const std::uint8_t> prefix,
              std::span<const std::uint8_t> payload) {
        const auto ts = rtp_ts(lesson_us);
        if (lesson_us >= next_report_us_) {
            next_report_us_ = lesson_us + 5'000'000;
            append(lesson_us, writer_.sender_report(ntp_from_wall(WallTime{k_start_us + lesson_us}), ts));
        }
        append(lesson_us, writer_.packet(ts, marker, prefix, payload));
    }

    // VP8 over RTP (RFC 7741 4.2): 1200-byte payloads like a browser's.
    void send_vp8(std::int64_t lesson_us, std::span<const std::uint8_t> frame) {
        for (const Vp8Fragment& part : tafel::test::vp8_fragments(frame, 1200)) {
            send(lesson_us, part.last, std::span(&part.descriptor, 1), part.payload);
        }
    }

    void close() { check(pcap_.close(), "close " + pcap_.path().string()); }

private:
    static ingest::PcapWriter open(const std::filesystem::path& file) {
        auto w = ingest::PcapWriter::create(file, k_anchor);
        check(w, "create " + file.string());
        return std::move(*w);
    }
    std::uint32_t rtp_ts(std::int64_t lesson_us) const {
        return static_cast<std::uint32_t>(1'000'000u + lesson_us * info_.clock_rate / 1'000'000);
    }
    void append(std::int64_t lesson_us, const std::vector<std::uint8_t>& datagram) {
        const ingest::UdpEndpoint from{{10, 0, 0, 7}, 5004};
        const ingest::UdpEndpoint to{{127, 0, 0, 1}, info_.port};
        check(pcap_.append(arrival_at(lesson_us), from, to, datagram), "append to " + pcap_.path().string());
    }

    ingest::TrackInfo info_;
    RtpPacketWriter writer_;
    ingest::PcapWriter pcap_;
    std::int64_t next_report_us_ = 0;
};

// IVF (the libvpx test container): the peer's copy of a camera's VP8 frames.
class IvfWriter {
public:
    IvfWriter(const std::filesystem::path& file, int w, int h, int fps) : out_(file, std::ios::binary) {
        out_.write("DKIF", 4);
        put16le(out_, 0);
        put16le(out_, 32);
        out_.write("VP80", 4);
        put16le(out_, static_cast<std::uint16_t>(w));
        put16le(out_, static_cast<std::uint16_t>(h));
        put32le(out_, static_cast<std::uint32_t>(fps));
        put32le(out_, 1);
        put32le(out_, 0); // frame count: ffmpeg does not need it
        put32le(out_, 0);
        check(static_cast<bool>(out_), "write " + file.string());
    }
    void frame(std::int64_t pts, std::span<const std::uint8_t> data) {
        put32le(out_, static_cast<std::uint32_t>(data.size()));
        put32le(out_, static_cast<std::uint32_t>(pts));
        put32le(out_, static_cast<std::uint32_t>(pts >> 32));
        out_.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    }

private:
    std::ofstream out_;
};

void fill_yuv(vpx_image_t& img, int x, int y, int w, int h, std::uint8_t Y, std::uint8_t U, std::uint8_t V) {
    fill(img, 0, x, y, w, h, Y);
    fill(img, 1, x, y, w, h, U);
    fill(img, 2, x, y, w, h, V);
}

// The teacher's camera: a wall, a "head" that sways and nods, hands that move when talking.
void write_webcam(const std::filesystem::path& raw, const ingest::TrackInfo& t, std::int64_t duration_us) {
    constexpr int w = 640, h = 360, fps = 15;
    Vp8Encoder vp8(w, h, fps, 600);
    RtpTrack track(raw, t, 0x1111'0001);
    IvfWriter ivf(raw / "peer" / "webcam.ivf", w, h, fps);
    const std::int64_t frames = duration_us * fps / 1'000'000;
    for (std::int64_t i = 0; i < frames; ++i) {
        const double s = static_cast<double>(i) / fps;
        fill_yuv(vp8.image, 0, 0, w, h, 150, 120, 140);                       // wall
        fill_yuv(vp8.image, 0, 250, w, 110, 90, 140, 120);                    // desk
        const int hx = 260 + static_cast<int>(30 * std::sin(s * 0.7));
        const int hy = 70 + static_cast<int>(8 * std::sin(s * 2.3));
        fill_yuv(vp8.image, hx - 40, hy + 110, 200, 150, 60, 150, 110);       // shoulders
        fill_yuv(vp8.image, hx, hy, 120, 130, 170, 110, 150);                 // head
        fill_yuv(vp8.image, hx + 25, hy + 40, 16, 10, 40, 128, 128);          // eyes
        fill_yuv(vp8.image, hx + 80, hy + 40, 16, 10, 40, 128, 128);
        const int hand = static_cast<int>(20 * std::sin(s * 5.0));
        fill_yuv(vp8.image, 120, 230 + hand, 50, 40, 170, 110, 150);          // hands
        fill_yuv(vp8.image, 470, 230 - hand, 50, 40, 170, 110, 150);
        const auto frame = vp8.encode(i, i % (fps * 10) == 0);
        const std::int64_t lesson_us = i * 1'000'000 / fps;
        track.send_vp8(lesson_us, frame);
        ivf.frame(i, frame);
    }
    track.close();
}

// The shared screen: a document with lines of "text" being typed, 1280x720 at 5 fps.
void write_screen(const std::filesystem::path& raw, const ingest::TrackInfo& t, std::int64_t from_us,
                  std::int64_t to_us) {
    constexpr int w = 1280, h = 720, fps = 5;
    Vp8Encoder vp8(w, h, fps, 1200);
    RtpTrack track(raw, t, 0x1111'0005);
    IvfWriter ivf(raw / "peer" / "screen.ivf", w, h, fps);
    const std::int64_t frames = (to_us - from_us) * fps / 1'000'000;
    for (std::int64_t i = 0; i < frames; ++i) {
        fill_yuv(vp8.image, 0, 0, w, h, 235, 128, 128);                       // page
        fill_yuv(vp8.image, 0, 0, w, 48, 60, 150, 110);                       // title bar
        const std::int64_t typed = i * 3;                                     // words so far
        for (std::int64_t word = 0; word < typed; ++word) {
            const int line = static_cast<int>(word / 12) % 20, col = static_cast<int>(word % 12);
            fill_yuv(vp8.image, 40 + col * 100, 80 + line * 30, 40 + static_cast<int>(word * 7 % 50), 14, 40, 128, 128);
        }
        const auto frame = vp8.encode(i, i % (fps * 10) == 0);
        const std::int64_t lesson_us = from_us + i * 1'000'000 / fps;
        track.send_vp8(lesson_us, frame);
        ivf.frame(i, frame);
    }
    track.close();
}

// A voice: a tone of `hz` (with a slow vibrato) while `talking(t)`, silence otherwise;
// Opus 20 ms packets into the pcap and the same PCM into a WAV for the peer.
template <class Talking>
void write_voice(const std::filesystem::path& raw, const ingest::TrackInfo& t, std::uint32_t ssrc, double hz,
                 std::int64_t duration_us, const std::filesystem::path& wav_file, Talking talking) {
    const OpusEncoderPtr enc = make_opus_encoder(OPUS_APPLICATION_VOIP);
    opus_encoder_ctl(enc.get(), OPUS_SET_BITRATE(32000));
    opus_encoder_ctl(enc.get(), OPUS_SET_COMPLEXITY(0));
    RtpTrack track(raw, t, ssrc);
    const std::int64_t packets = duration_us / 20'000;
    std::ofstream wav(wav_file, std::ios::binary);
    const auto data_bytes = static_cast<std::uint32_t>(packets * 960 * 4);
    wav.write("RIFF", 4);
    put32le(wav, 36 + data_bytes);
    wav.write("WAVEfmt ", 8);
    put32le(wav, 16);
    put16le(wav, 1);
    put16le(wav, 2);
    put32le(wav, 48000);
    put32le(wav, 48000 * 4);
    put16le(wav, 4);
    put16le(wav, 16);
    wav.write("data", 4);
    put32le(wav, data_bytes);
    std::vector<float> pcm(960 * 2);
    std::vector<std::int16_t> s16(960 * 2);
    std::vector<std::uint8_t> packet(1500);
    double phase = 0;
    for (std::int64_t p = 0; p < packets; ++p) {
        const std::int64_t lesson_us = p * 20'000;
        const bool on = talking(lesson_us);
        for (int i = 0; i < 960; ++i) {
            const double sec = static_cast<double>(p * 960 + i) / 48000.0;
            phase += 2 * std::numbers::pi * hz * (1.0 + 0.05 * std::sin(sec * 3.0)) / 48000.0;
            const float v = on ? static_cast<float>(0.25 * std::sin(phase)) : 0.0f;
            pcm[2 * static_cast<std::size_t>(i)] = pcm[2 * static_cast<std::size_t>(i) + 1] = v;
            s16[2 * static_cast<std::size_t>(i)] = s16[2 * static_cast<std::size_t>(i) + 1] =
                static_cast<std::int16_t>(std::lround(v * 32767.0f));
        }
        const int bytes = opus_encode_float(enc.get(), pcm.data(), 960, packet.data(), static_cast<opus_int32>(packet.size()));
        check(bytes > 0, "opus_encode_float");
        track.send(lesson_us, false, {}, std::span(packet.data(), static_cast<std::size_t>(bytes)));
        wav.write(reinterpret_cast<const char*>(s16.data()), static_cast<std::streamsize>(s16.size() * 2));
    }
    check(static_cast<bool>(wav), "write " + wav_file.string());
    track.close();
}

ingest::TrackInfo track_info(std::string id, ingest::MediaKind kind, std::string participant, std::uint16_t port) {
    ingest::TrackInfo t;
    t.id = id;
    t.kind = kind;
    const bool video = kind == ingest::MediaKind::video;
    t.codec = video ? "VP8" : "opus";
    t.payload_type = video ? 96 : 111;
    t.clock_rate = video ? 90000 : 48000;
    t.channels = video ? 0 : 2;
    t.participant = std::move(participant);
    t.port = port;
    t.file = "tracks/" + id + ".pcap";
    return t;
}

void write_png(const tafel::transcode::ArgbImage& image, const std::filesystem::path& file) {
    cairo_surface_t* s = cairo_image_surface_create_for_data(const_cast<std::uint8_t*>(image.pixels.data()),
                                                             CAIRO_FORMAT_ARGB32, image.width, image.height,
                                                             image.stride);
    const auto status = cairo_surface_write_to_png(s, file.c_str());
    cairo_surface_destroy(s);
    check(status == CAIRO_STATUS_SUCCESS, "write " + file.string());
}

int generate(const std::filesystem::path& raw, std::int64_t duration_us) {
    std::filesystem::remove_all(raw);
    for (const char* sub : {"tracks", "slides", "peer"}) std::filesystem::create_directories(raw / sub);
    check(samples::write_deck(raw / "slides" / "d1.pdf", k_deck_pages), "write deck");

    ingest::RecordingInfo info;
    info.id = "standard-lesson-1767000000000";
    info.meeting = {"standard", "Mathe 7b – Brüche (Standardstunde)", "klasse-7b"};
    info.started = WallTime{k_start_us};
    info.stopped = WallTime{k_start_us + duration_us};
    info.anchor = k_anchor;
    info.participants = {{"teacher", "Frau Müller", ingest::Role::moderator, ingest::Consent::granted},
                         {"p1", "Jonas Weiß", ingest::Role::viewer, ingest::Consent::granted},
                         {"p2", "Ayşe Yılmaz", ingest::Role::viewer, ingest::Consent::granted}};
    info.tracks = {track_info("t1", ingest::MediaKind::video, "teacher", 40000),
                   track_info("t2", ingest::MediaKind::audio, "teacher", 40002),
                   track_info("t3", ingest::MediaKind::audio, "p1", 40004),
                   track_info("t4", ingest::MediaKind::audio, "p2", 40006),
                   track_info("t5", ingest::MediaKind::video, "teacher", 40008)};
    info.decks = {{"d1", "Brüche.pdf", "slides/d1.pdf", k_deck_pages}};
    check(ingest::write_recording_info(raw, info), "write recording.json");

    // Screen share from 40 % of the lesson, 2 minutes (or a fifth of a shorter lesson).
    const std::int64_t share_from = duration_us * 2 / 5;
    const std::int64_t share_to = share_from + std::min<std::int64_t>(120'000'000, duration_us / 5);
    const std::int64_t slide_every = duration_us / k_slide_changes;

    std::ofstream events(raw / "events.jsonl");
    auto event = [&](std::int64_t lesson_us, nlohmann::json j) {
        j["t_us"] = k_start_us + lesson_us;
        events << j.dump() << '\n';
    };
    for (const auto& p : info.participants) {
        event(0, {{"type", "participant_joined"}, {"participant", p.id}, {"name", p.name},
                  {"role", to_string(p.role)}, {"consent", to_string(p.consent)}});
    }
    event(0, {{"type", "deck_added"}, {"deck", "d1"}, {"name", "Brüche.pdf"}, {"pages", k_deck_pages}});
    event(0, {{"type", "webcam_started"}, {"participant", "teacher"}, {"track", "t1"}});
    std::ofstream concat(raw / "peer" / "slides.ffconcat");
    concat << "ffconcat version 1.0\n";
    transcode::SlideRenderer renderer;
    std::vector<std::pair<std::int64_t, std::string>> lines;
    int stroke = 0;
    // Where bench/render measures the slide-area PSNR of its output against the page rendered
    // alone: a second after every fifth slide change (the keyframe's quality) and a second
    // before the next one (after the whiteboard clear re-coded the stroke's area in delta
    // frames), outside the screen share. The cursor stays on the page (at the stroke's last
    // point), so its spot is listed to be left out of the comparison.
    std::ofstream checks(raw / "peer" / "slide_checks.txt");
    checks << "# t_s png cursor_x cursor_y (slide-area pixels; -1: no cursor)\n";
    std::pair<double, double> cursor{-1, -1};
    for (int k = 0; k < k_slide_changes; ++k) {
        const std::int64_t at = k * slide_every;
        const int page = k % k_deck_pages + 1;
        event(at, {{"type", "slide"}, {"deck", "d1"}, {"page", page}});
        const auto png = fmt::format("slide{:02}.png", page);
        if (k < k_deck_pages) {
            auto image = renderer.render(raw / "slides" / "d1.pdf", page, 960, 720);
            check(image, "render page");
            write_png(**image, raw / "peer" / png);
        }
        concat << "file " << png << "\nduration " << fmt::format("{:.6f}", static_cast<double>(slide_every) / 1e6) << '\n';
        // A pencil stroke drawn in 10 updates from 2 s into the slide, cleared 2 s before the next.
        const std::string id = fmt::format("s{}", ++stroke);
        const auto check_at = [&](std::int64_t t_us) {
            if (k % 5 != 1 || (t_us >= share_from && t_us < share_to) || slide_every < 6'000'000) return;
            checks << fmt::format("{:.3f} {} {:.0f} {:.0f}\n", static_cast<double>(t_us) / 1e6, png, cursor.first,
                                  cursor.second);
        };
        check_at(at + 1'000'000);
        nlohmann::json points = nlohmann::json::array();
        for (int u = 0; u < 10; ++u) {
            points.push_back(0.2 + 0.05 * u);
            points.push_back(0.6 + 0.1 * std::sin(u + k));
            const char* action = u == 0 ? "draw_added" : "draw_updated";
            event(at + 2'000'000 + u * 200'000,
                  {{"type", action}, {"id", id}, {"deck", "d1"}, {"page", page}, {"shape", "pencil"},
                   {"points", points}, {"color", "#D03030"}, {"width", 0.004}});
            event(at + 2'000'000 + u * 200'000, {{"type", "cursor"}, {"x", points[points.size() - 2]},
                                                 {"y", points.back()}});
        }
        event(at + slide_every - 2'000'000, {{"type", "draw_cleared"}, {"deck", "d1"}, {"page", page}});
        // The 4:3 page fills the default layout's 960x720 slide area at (0, 0).
        cursor = {points[points.size() - 2].get<double>() * 960, points.back().get<double>() * 720};
        check_at(at + slide_every - 1'000'000);
    }
    check(static_cast<bool>(checks), "write slide_checks.txt");
    concat << "file " << fmt::format("slide{:02}.png", (k_slide_changes - 1) % k_deck_pages + 1) << '\n';
    event(share_from, {{"type", "screenshare_started"}, {"participant", "teacher"}, {"track", "t5"}});
    event(share_to, {{"type", "screenshare_stopped"}, {"participant", "teacher"}, {"track", "t5"}});
    const char* texts[] = {"Guten Morgen!", "Ist ½ größer als ⅓?", "Ich habe eine Frage zu Aufgabe 3 👋",
                           "Können Sie das noch einmal erklären? Ich habe den Schritt mit dem Hauptnenner nicht verstanden.",
                           "Danke, jetzt ist es klar 😊", "مرحبا – Grüße aus der Klasse"};
    for (int m = 0; m < k_chat_messages; ++m) {
        const std::int64_t at = (m * 2 + 1) * duration_us / (2 * k_chat_messages);
        const auto& who = info.participants[static_cast<std::size_t>(m % 3)];
        event(at, {{"type", "chat"}, {"participant", who.id}, {"name", who.name}, {"text", texts[m % 6]}});
    }
    check(static_cast<bool>(events), "write events.jsonl");

    // Who talks: the teacher most of the time, each pupil for 8 s in turn every minute.
    auto pupil_talks = [](std::int64_t offset_us) {
        return [offset_us](std::int64_t t) { return (t + offset_us) % 60'000'000 < 8'000'000; };
    };
    auto teacher_talks = [](std::int64_t t) {
        const std::int64_t m = t % 60'000'000;
        return !(m >= 52'000'000 || (m >= 22'000'000 && m < 30'000'000)) && (t / 3'000'000) % 4 != 3;
    };
    write_voice(raw, info.tracks[1], 0x1111'0002, 220, duration_us, raw / "peer" / "voice1.wav", teacher_talks);
    write_voice(raw, info.tracks[2], 0x1111'0003, 440, duration_us, raw / "peer" / "voice2.wav",
                pupil_talks(60'000'000 - 52'000'000));
    write_voice(raw, info.tracks[3], 0x1111'0004, 660, duration_us, raw / "peer" / "voice3.wav",
                pupil_talks(60'000'000 - 22'000'000));
    write_webcam(raw, info.tracks[0], duration_us);
    write_screen(raw, info.tracks[4], share_from, share_to);

    std::ofstream env(raw / "peer" / "lesson.env");
    env << fmt::format("DURATION_S={:.3f}\nSHARE_FROM_S={:.3f}\nSHARE_TO_S={:.3f}\n",
                       static_cast<double>(duration_us) / 1e6, static_cast<double>(share_from) / 1e6,
                       static_cast<double>(share_to) / 1e6);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    // An option where the folder belongs (`--help`) is not a folder name: it once made a
    // 364 MB lesson in ./--help.
    if ((argc != 2 && !(argc == 4 && std::string(argv[2]) == "--minutes")) || argv[1][0] == '-') {
        fmt::print(stderr, "usage: {} RAW_DIR [--minutes N]\n", argv[0]);
        return 2;
    }
    const double minutes = argc == 4 ? std::stod(argv[3]) : 10.0;
    try {
        return generate(argv[1], static_cast<std::int64_t>(minutes * 60e6));
    } catch (const std::exception& e) {
        fmt::print(stderr, "tafel-standard-lesson: {}\n", e.what());
        return 1;
    }
}
