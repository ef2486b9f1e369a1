// The sender's streams checked by an independent receiver: ffmpeg (a test-only checker) reads
// them through an SDP file, as any RTP receiver would, and the test looks at what it decoded.
#include "samples/rtp_sender.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace tafel::samples;

namespace {

bool udp_port_free(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

// An even port p with p..p+3 free (ffmpeg may bind the RTCP port p+1 besides p).
std::uint16_t free_port_block() {
    for (std::uint16_t p = 47000 + static_cast<std::uint16_t>(::getpid() % 500) * 4; p < 64000; p += 4) {
        if (udp_port_free(p) && udp_port_free(p + 1) && udp_port_free(p + 2) && udp_port_free(p + 3)) return p;
    }
    return 0;
}

std::string run(const std::string& command) {
    std::string out;
    if (FILE* pipe = ::popen(command.c_str(), "r")) {
        char buf[65536];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
        ::pclose(pipe);
    }
    return out;
}

} // namespace

TEST_CASE("an independent RTP receiver decodes the webcam picture and the tone bursts", "[integration]") {
    const auto dir = std::filesystem::temp_directory_path() / fmt::format("tafel-sender-decode-{}", ::getpid());
    std::filesystem::create_directories(dir);
    const std::uint16_t port = free_port_block();
    REQUIRE(port != 0);
    const auto sdp = dir / "lesson.sdp";
    std::ofstream(sdp) << fmt::format(
        "v=0\no=- 0 0 IN IP4 127.0.0.1\ns=tafel\nc=IN IP4 127.0.0.1\nt=0 0\n"
        "m=video {} RTP/AVP 96\na=rtpmap:96 VP8/90000\na=rtcp-mux\n"
        "m=audio {} RTP/AVP 111\na=rtpmap:111 opus/48000/2\na=rtcp-mux\n",
        port, port + 2);
    const auto mkv = dir / "received.mkv";

    // ffmpeg listens first; it ends by itself after 3 s of media (bounded by `timeout`).
    FILE* receiver = ::popen(fmt::format("timeout 30 ffmpeg -nostdin -loglevel error -protocol_whitelist file,udp,rtp "
                                         "-i {} -t 3 -c copy -y {} 2>&1",
                                         sdp.string(), mkv.string())
                                 .c_str(),
                             "r");
    REQUIRE(receiver);
    RtpSenderOptions options;
    options.streams = {{SenderStream::Kind::video, port, 0, "Frau Müller"},
                       {SenderStream::Kind::audio, static_cast<std::uint16_t>(port + 2), 440, ""}};
    auto sender = RtpSender::create(options);
    REQUIRE(sender);
    REQUIRE(sender->start());
    std::string receiver_log;
    char buf[4096];
    while (std::fgets(buf, sizeof buf, receiver)) receiver_log += buf;
    const int status = ::pclose(receiver);
    CHECK(sender->stop());
    INFO("ffmpeg: " << receiver_log);
    REQUIRE(status == 0);

    const std::string streams = run(fmt::format(
        "ffprobe -v error -count_frames -show_entries stream=codec_name,width,height,sample_rate,channels,nb_read_frames "
        "-of compact {}",
        mkv.string()));
    INFO(streams);
    CHECK(streams.find("codec_name=vp8|width=640|height=360") != std::string::npos);
    CHECK(streams.find("codec_name=opus|sample_rate=48000|channels=2") != std::string::npos);

    // A decoded picture: the dark blue background (0x1e3a5f) fills the top-left corner.
    const std::string rgb = run(fmt::format(
        "ffmpeg -nostdin -v error -ss 1 -i {} -frames:v 1 -f rawvideo -pix_fmt rgb24 -", mkv.string()));
    REQUIRE(rgb.size() == 640u * 360u * 3u);
    const auto px = [&](int x, int y, int c) { return static_cast<unsigned char>(rgb[(y * 640 + x) * 3 + c]); };
    CHECK(std::abs(px(8, 8, 0) - 0x1e) < 16);
    CHECK(std::abs(px(8, 8, 1) - 0x3a) < 16);
    CHECK(std::abs(px(8, 8, 2) - 0x5f) < 16);

    // The microphone: 300 ms bursts a second, so some 50 ms windows are loud and most are quiet.
    const std::string pcm = run(fmt::format(
        "ffmpeg -nostdin -v error -i {} -map 0:a -f s16le -ac 1 -ar 48000 -", mkv.string()));
    REQUIRE(pcm.size() > 48000u * 2u * 2u); // ≥ 2 s
    const auto* samples = reinterpret_cast<const std::int16_t*>(pcm.data());
    const std::size_t n = pcm.size() / 2, window = 2400;
    int loud = 0, quiet = 0;
    for (std::size_t w = 0; w + window <= n; w += window) {
        double sum = 0;
        for (std::size_t i = w; i < w + window; ++i) sum += double(samples[i]) * samples[i];
        const double rms = std::sqrt(sum / window);
        if (rms > 3000) ++loud;
        if (rms < 100) ++quiet;
    }
    CHECK(loud >= 8);   // ≥ 2 bursts of 6 windows each, minus edges
    CHECK(quiet >= 16); // ≥ 2 gaps of 14 windows each, minus edges
    std::filesystem::remove_all(dir);
}
