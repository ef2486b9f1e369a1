#include "mux/container_writer.hpp"
#include "tests/mux/probe.hpp"
#include "tests/support/temp_dir.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
}

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <functional>

namespace {

using tafel::Errc;
using tafel::Rational;
using tafel::mux::ContainerOptions;
using tafel::mux::ContainerWriter;

struct ContextDeleter {
    void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FrameDeleter {
    void operator()(AVFrame* f) const { av_frame_free(&f); }
};

constexpr int k_width = 320, k_height = 240;
constexpr Rational k_frame_time_base{1, 15};

// Encodes `frames` grey frames at 15 fps with FFmpeg's native MPEG-4 Part 2 encoder (fast,
// always built in) and gives every packet, timestamps in 1/15 s, to `sink`.
void encode_frames(int frames, bool global_header, AVCodecParameters* params,
                   const std::function<void(AVPacket&)>& sink) {
    const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
    REQUIRE(codec != nullptr);
    std::unique_ptr<AVCodecContext, ContextDeleter> c{avcodec_alloc_context3(codec)};
    c->width = k_width;
    c->height = k_height;
    c->pix_fmt = AV_PIX_FMT_YUV420P;
    c->time_base = AVRational{1, 15};
    c->framerate = AVRational{15, 1};
    c->gop_size = 15;
    if (global_header) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    REQUIRE(avcodec_open2(c.get(), codec, nullptr) == 0);
    if (params != nullptr) REQUIRE(avcodec_parameters_from_context(params, c.get()) >= 0);
    if (frames == 0) return;

    std::unique_ptr<AVFrame, FrameDeleter> frame{av_frame_alloc()};
    frame->format = AV_PIX_FMT_YUV420P;
    frame->width = k_width;
    frame->height = k_height;
    REQUIRE(av_frame_get_buffer(frame.get(), 0) == 0);
    AVPacket* packet = av_packet_alloc();
    const auto drain = [&] {
        while (avcodec_receive_packet(c.get(), packet) == 0) {
            packet->duration = 1;
            sink(*packet);
            av_packet_unref(packet);
        }
    };
    for (int i = 0; i < frames; ++i) {
        REQUIRE(av_frame_make_writable(frame.get()) == 0);
        for (int p = 0; p < 3; ++p) {
            const int h = p == 0 ? k_height : k_height / 2;
            for (int y = 0; y < h; ++y) {
                std::memset(frame->data[p] + y * frame->linesize[p], p == 0 ? 16 + i * 4 : 128,
                            static_cast<std::size_t>(p == 0 ? k_width : k_width / 2));
            }
        }
        frame->pts = i;
        REQUIRE(avcodec_send_frame(c.get(), frame.get()) == 0);
        drain();
    }
    REQUIRE(avcodec_send_frame(c.get(), nullptr) == 0);
    drain();
    av_packet_free(&packet);
}

// Writes 30 frames (2 s at 15 fps) into `path` with `options`, requiring every step to succeed.
void write_two_seconds(const std::filesystem::path& path, const ContainerOptions& options) {
    auto writer = ContainerWriter::create(path, options);
    REQUIRE(writer.has_value());
    AVCodecParameters* params = avcodec_parameters_alloc();
    // Parameters first (the stream needs them before the header), then the packets.
    encode_frames(0, (*writer)->needs_global_header(), params, [](AVPacket&) {});
    auto stream = (*writer)->add_stream(*params, k_frame_time_base, Rational{15, 1});
    avcodec_parameters_free(&params);
    REQUIRE(stream.has_value());
    REQUIRE((*writer)->write_header().has_value());
    encode_frames(30, (*writer)->needs_global_header(), nullptr, [&](AVPacket& packet) {
        auto written = (*writer)->write(packet, *stream);
        INFO((written ? std::string() : written.error().describe()));
        REQUIRE(written.has_value());
    });
    auto finished = (*writer)->finish();
    INFO((finished ? std::string() : finished.error().describe()));
    REQUIRE(finished.has_value());
}

double duration_s(const nlohmann::json& probe) {
    return std::stod(probe.at("format").value("duration", "nan"));
}

} // namespace

TEST_CASE("ContainerWriter writes a faststart MP4 whose moov precedes mdat", "[integration]") {
    tafel::test::TempDir dir("tafel-mux");
    const auto path = dir.path() / "out.mp4";
    write_two_seconds(path, {.format = "mp4", .title = "Brüche, Teil 2", .faststart = true});

    const auto boxes = tafel::test::top_level_boxes(path);
    const auto moov = tafel::test::box_position(boxes, "moov");
    const auto mdat = tafel::test::box_position(boxes, "mdat");
    REQUIRE(moov >= 0);
    REQUIRE(mdat >= 0);
    CHECK(moov < mdat);

    const auto probe = tafel::test::ffprobe_streams_and_format(path);
    const auto video = tafel::test::stream_of(probe, "video");
    REQUIRE(video.is_object());
    CHECK(video.value("codec_name", "") == "mpeg4");
    CHECK(video.value("width", 0) == k_width);
    CHECK(video.value("nb_frames", "") == "30");
    CHECK(duration_s(probe) == Approx(2.0).margin(0.05));
    CHECK(probe.at("format").value("tags", nlohmann::json::object()).value("title", "") == "Brüche, Teil 2");
}

TEST_CASE("ContainerWriter without faststart leaves moov after mdat", "[integration]") {
    // The other half of the faststart test: the option is what moves moov to the front.
    tafel::test::TempDir dir("tafel-mux");
    const auto path = dir.path() / "out.mp4";
    write_two_seconds(path, {.format = "mp4", .title = "", .faststart = false});
    const auto boxes = tafel::test::top_level_boxes(path);
    CHECK(tafel::test::box_position(boxes, "moov") > tafel::test::box_position(boxes, "mdat"));
}

TEST_CASE("ContainerWriter rescales timestamps into Matroska's timebase", "[integration]") {
    tafel::test::TempDir dir("tafel-mux");
    const auto path = dir.path() / "out.mkv";
    write_two_seconds(path, {.format = "matroska", .title = "", .faststart = false});

    const auto frames = tafel::test::video_frames(path);
    REQUIRE(frames.size() == 30);
    CHECK(frames.front().pts_s == Approx(0.0).margin(0.001));
    // Frame 29 at 29/15 s: Matroska stores milliseconds, so within one of them.
    CHECK(frames.back().pts_s == Approx(29.0 / 15.0).margin(0.0011));
    CHECK(frames[15].key);
    CHECK(duration_s(tafel::test::ffprobe_streams_and_format(path)) == Approx(2.0).margin(0.05));
}

TEST_CASE("ContainerWriter errors name the file or format", "[integration]") {
    tafel::test::TempDir dir("tafel-mux");

    SECTION("a folder that does not exist") {
        const auto path = dir.path() / "missing" / "out.mp4";
        auto writer = ContainerWriter::create(path, {.format = "mp4", .title = "", .faststart = true});
        REQUIRE_FALSE(writer.has_value());
        CHECK(writer.error().code == Errc::io);
        CHECK_THAT(writer.error().message, Catch::Contains(path.string()));
    }
    SECTION("an unknown format") {
        auto writer = ContainerWriter::create(dir.path() / "out.xyz", {.format = "no-such-muxer", .title = "",
                                                                        .faststart = false});
        REQUIRE_FALSE(writer.has_value());
        CHECK(writer.error().code == Errc::unsupported);
        CHECK_THAT(writer.error().message, Catch::Contains("no-such-muxer"));
    }
    SECTION("a packet for a stream that was never added") {
        const auto path = dir.path() / "out.mkv";
        auto writer = ContainerWriter::create(path, {.format = "matroska", .title = "", .faststart = false});
        REQUIRE(writer.has_value());
        AVCodecParameters* params = avcodec_parameters_alloc();
        encode_frames(0, true, params, [](AVPacket&) {});
        REQUIRE((*writer)->add_stream(*params, k_frame_time_base).has_value());
        avcodec_parameters_free(&params);
        REQUIRE((*writer)->write_header().has_value());
        AVPacket* packet = av_packet_alloc();
        auto written = (*writer)->write(*packet, 3);
        av_packet_free(&packet);
        REQUIRE_FALSE(written.has_value());
        CHECK(written.error().code == Errc::invalid_argument);
        CHECK_THAT(written.error().message, Catch::Contains(path.string()));
    }
}

TEST_CASE("ContainerWriter writes chapters into MP4 and WebM", "[integration]") {
    // What a player's chapter menu reads: MP4 carries them twice (Nero "chpl" in udta and a
    // QuickTime chapter text track referenced by "chap"), Matroska as its Chapters element.
    tafel::test::TempDir dir("tafel-mux");
    const std::vector<tafel::mux::ContainerChapter> chapters{
        {.start_ms = 0, .end_ms = 800, .title = "Brüche"},
        {.start_ms = 800, .end_ms = 2000, .title = "Kürzen, Erweitern"},
    };
    for (const auto& [name, format] : {std::pair{"out.mp4", "mp4"}, std::pair{"out.webm", "matroska"}}) {
        const auto path = dir.path() / name;
        INFO(path.string());
        write_two_seconds(
            path,
            {.format = format, .title = "", .faststart = std::string_view(format) == "mp4", .chapters = chapters});
        const auto probe = tafel::test::ffprobe(path, "-show_chapters");
        REQUIRE(probe.contains("chapters"));
        const auto& got = probe["chapters"];
        REQUIRE(got.size() == 2);
        for (std::size_t k = 0; k < chapters.size(); ++k) {
            CHECK(std::stod(got[k].value("start_time", "nan")) == Approx(chapters[k].start_ms / 1000.0).margin(0.001));
            CHECK(std::stod(got[k].value("end_time", "nan")) == Approx(chapters[k].end_ms / 1000.0).margin(0.001));
            CHECK(got[k]["tags"].value("title", "") == chapters[k].title);
        }
        // The chapters add no playable stream: still exactly one video stream.
        const auto streams = tafel::test::ffprobe_streams_and_format(path)["streams"];
        CHECK(std::count_if(streams.begin(), streams.end(),
                            [](const auto& s) { return s.value("codec_type", "") != "data"; }) == 1);
    }
}
