#include "raw_lesson.hpp"

#include "ingest/pcap_writer.hpp"
#include "tests/support/rtp_packets.hpp"

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <numbers>

namespace tafel::transcode::test {

ArrivalTime arrival_at(std::int64_t lesson_us) { return ArrivalTime{k_anchor.arrival.ns + lesson_us * 1000}; }

namespace {

constexpr std::uint16_t k_first_seq = 1000;

// One track's pcap as the recorder writes it: datagrams from the sender to the track's port.
struct TrackWriter {
    ingest::PcapWriter pcap;
    std::uint16_t port;
    void send(ArrivalTime at, const std::vector<std::uint8_t>& datagram);
};

void TrackWriter::send(ArrivalTime at, const std::vector<std::uint8_t>& datagram) {
    const ingest::UdpEndpoint from{{10, 0, 0, 7}, 5004};
    const ingest::UdpEndpoint to{{127, 0, 0, 1}, port};
    REQUIRE(pcap.append(at, from, to, datagram).has_value());
}

TrackWriter open_track(const std::filesystem::path& dir, const std::string& id, std::uint16_t port) {
    auto pcap = ingest::PcapWriter::create(dir / "tracks" / (id + ".pcap"), k_anchor);
    REQUIRE(pcap.has_value());
    return TrackWriter{std::move(*pcap), port};
}

} // namespace

void write_vp8_frames(const std::filesystem::path& dir, const std::string& id, std::uint16_t port, std::uint32_t ssrc,
                      const std::vector<std::vector<std::uint8_t>>& frames, int fps, std::int64_t network_delay_us) {
    auto w = open_track(dir, id, port);
    tafel::test::RtpPacketWriter rtp(96, ssrc, k_first_seq);
    const std::uint32_t ts0 = 3'000'000'000u; // wraps past 2^32 during a long track
    // RFC 3550 6.4.1: the sender says rtp ts0 was sampled at the lesson start.
    w.send(arrival_at(50'000), rtp.sender_report(ntp_from_wall(WallTime{k_start_us}), ts0));
    for (std::size_t k = 0; k < frames.size(); ++k) {
        const auto ts = static_cast<std::uint32_t>(ts0 + k * static_cast<std::uint32_t>(90000 / fps));
        const std::int64_t lesson_us = static_cast<std::int64_t>(k) * 1'000'000 / fps;
        for (const auto& part : tafel::test::vp8_fragments(frames[k], 1000))
            w.send(arrival_at(lesson_us + network_delay_us),
                   rtp.packet(ts, part.last, std::span(&part.descriptor, 1), part.payload));
    }
    REQUIRE(w.pcap.close().has_value());
}

void write_opus_track(const std::filesystem::path& dir, const std::string& id, std::uint16_t port, std::uint32_t ssrc,
                      double hz, std::int64_t from_us, std::int64_t to_us) {
    auto w = open_track(dir, id, port);
    tafel::test::RtpPacketWriter rtp(111, ssrc, k_first_seq);
    const int packets = static_cast<int>((to_us - from_us) / 20'000);
    auto encoded = encode_opus_sine(packets, hz, 0.3, 2);
    for (int p = 0; p < packets; ++p) {
        const std::int64_t lesson_us = from_us + p * 20'000;
        w.send(arrival_at(lesson_us + 20'000),
               rtp.packet(static_cast<std::uint32_t>(7000 + p * 960), false, {}, encoded[static_cast<std::size_t>(p)]));
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

void append_event(const std::filesystem::path& dir, std::int64_t lesson_us, nlohmann::json event) {
    std::ofstream events(dir / "events.jsonl", std::ios::app);
    event["t_us"] = k_start_us + lesson_us;
    events << event.dump() << '\n';
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

std::string frame_at(const std::filesystem::path& file, double seconds) {
    return run(fmt::format("ffmpeg -v error -ss {:.3f} -i '{}' -frames:v 1 -f rawvideo -pix_fmt bgra -", seconds,
                           file.string()));
}

std::uint32_t pixel(const std::string& bgra, int x, int y) {
    std::uint32_t word = 0;
    std::memcpy(&word, bgra.data() + (static_cast<std::size_t>(y) * 1280 + static_cast<std::size_t>(x)) * 4, 4);
    return word;
}

double slide_psnr(const std::string& bgra, const ArgbImage& slide, int x0, int y0) {
    double sum = 0;
    std::size_t count = 0;
    for (int y = 0; y < slide.height; ++y) {
        for (int x = 0; x < slide.width; ++x) {
            const auto a = pixel(bgra, x0 + x, y0 + y);
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

std::vector<float> decode_audio(const std::filesystem::path& file) {
    const std::string raw = run(fmt::format("ffmpeg -v error -i '{}' -map 0:a -f f32le -ac 2 -ar 48000 -", file.string()));
    std::vector<float> pcm(raw.size() / sizeof(float));
    std::memcpy(pcm.data(), raw.data(), pcm.size() * sizeof(float));
    return pcm;
}

double tone_level(const std::vector<float>& pcm, double hz, double from_s, double to_s) {
    const auto begin = static_cast<std::size_t>(from_s * 48000);
    const auto end = std::min(pcm.size() / 2, static_cast<std::size_t>(to_s * 48000));
    if (end <= begin) return 0;
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

double stream_seconds(const nlohmann::json& stream) {
    if (stream.contains("duration")) return std::stod(stream["duration"].get<std::string>());
    const auto tag = stream.value("tags", nlohmann::json::object()).value("DURATION", std::string("0:0:0"));
    int h = 0, m = 0;
    double s = 0;
    if (std::sscanf(tag.c_str(), "%d:%d:%lf", &h, &m, &s) != 3) return 0;
    return h * 3600.0 + m * 60.0 + s;
}

} // namespace tafel::transcode::test
