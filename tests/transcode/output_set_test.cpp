#include "transcode/output_set.hpp"
#include "transcode/av_handles.hpp"
#include "tests/mux/probe.hpp"
#include "tests/support/temp_dir.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <numbers>
#include <tuple>

namespace {

using tafel::Errc;
using tafel::transcode::I420View;
using tafel::transcode::OutputOptions;
using tafel::transcode::OutputSet;

constexpr int k_fps = 15;
constexpr int k_rate = 48000;
constexpr int k_samples_per_frame = k_rate / k_fps;

// A grey 1280x720 (or smaller) picture with a white box that moves right by 8 px a frame.
struct Pattern {
    int width, height;
    std::vector<std::uint8_t> y, u, v;
    Pattern(int w, int h)
        : width(w), height(h), y(static_cast<std::size_t>(w * h)), u(static_cast<std::size_t>(w * h / 4)),
          v(static_cast<std::size_t>(w * h / 4)) {}
    I420View draw(int index) {
        std::fill(y.begin(), y.end(), std::uint8_t{60});
        std::fill(u.begin(), u.end(), std::uint8_t{110});
        std::fill(v.begin(), v.end(), std::uint8_t{150});
        const int box = height / 4, x0 = (index * 8) % (width - box), y0 = height / 3;
        for (int row = y0; row < y0 + box; ++row) {
            std::fill_n(y.begin() + row * width + x0, box, std::uint8_t{235});
        }
        return I420View{y.data(), u.data(), v.data(), width, width / 2, width / 2};
    }
};

// Stereo 440 Hz at amplitude 0.5 (RMS 0.354), samples [first, first + count).
std::vector<float> sine(std::int64_t first, int count) {
    std::vector<float> out(static_cast<std::size_t>(count) * 2);
    for (int i = 0; i < count; ++i) {
        const double t = static_cast<double>(first + i) / k_rate;
        const auto s = static_cast<float>(0.5 * std::sin(2 * std::numbers::pi * 440.0 * t));
        out[static_cast<std::size_t>(i) * 2] = s;
        out[static_cast<std::size_t>(i) * 2 + 1] = s;
    }
    return out;
}

std::string describe(const tafel::Result<void>& r) { return r ? std::string() : r.error().describe(); }

// Writes `frames` frames (skipping the indices in [skip_from, skip_to)) and the matching
// audio, interleaved like a renderer does, forcing a keyframe at `forced`.
void write_lesson(OutputSet& set, int width, int height, int frames, int forced, int skip_from = -1,
                  int skip_to = -1) {
    Pattern pattern(width, height);
    for (int i = 0; i < frames; ++i) {
        if (i < skip_from || i >= skip_to) {
            auto video = set.write_video(pattern.draw(i), i, i == forced);
            INFO(describe(video));
            REQUIRE(video.has_value());
        }
        const std::int64_t first = std::int64_t{i} * k_samples_per_frame;
        auto audio = set.write_audio(sine(first, k_samples_per_frame), first);
        INFO(describe(audio));
        REQUIRE(audio.has_value());
    }
    auto finished = set.finish();
    INFO(describe(finished));
    REQUIRE(finished.has_value());
}

double duration_s(const nlohmann::json& probe) {
    return std::stod(probe.at("format").value("duration", "nan"));
}

// Decodes the first audio stream of `file` with libavcodec; the RMS over all samples.
double decoded_audio_rms(const std::filesystem::path& file) {
    using namespace tafel::transcode;
    AVFormatContext* raw = nullptr;
    REQUIRE(avformat_open_input(&raw, file.c_str(), nullptr, nullptr) == 0);
    InputFormatPtr input{raw};
    REQUIRE(avformat_find_stream_info(input.get(), nullptr) >= 0);
    const AVCodec* codec = nullptr;
    const int index = av_find_best_stream(input.get(), AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0);
    REQUIRE(index >= 0);
    auto decoder = make_codec_context(*codec);
    REQUIRE(decoder.has_value());
    REQUIRE(avcodec_parameters_to_context(decoder->get(), input->streams[index]->codecpar) >= 0);
    REQUIRE(avcodec_open2(decoder->get(), codec, nullptr) == 0);
    REQUIRE((*decoder)->sample_fmt == AV_SAMPLE_FMT_FLTP);   // FFmpeg's AAC decoder
    auto packet = make_packet();
    auto frame = make_frame();
    REQUIRE((packet && frame));
    double sum = 0;
    std::int64_t count = 0;
    const auto drain = [&] {
        while (avcodec_receive_frame(decoder->get(), frame->get()) == 0) {
            const AVFrame& f = **frame;
            for (int ch = 0; ch < f.ch_layout.nb_channels; ++ch) {
                const auto* samples = reinterpret_cast<const float*>(f.extended_data[ch]);
                for (int i = 0; i < f.nb_samples; ++i) sum += double{samples[i]} * samples[i];
                count += f.nb_samples;
            }
            av_frame_unref(frame->get());
        }
    };
    while (av_read_frame(input.get(), packet->get()) >= 0) {
        if ((*packet)->stream_index == index) REQUIRE(avcodec_send_packet(decoder->get(), packet->get()) >= 0);
        av_packet_unref(packet->get());
        drain();
    }
    avcodec_send_packet(decoder->get(), nullptr);
    drain();
    REQUIRE(count > 0);
    return std::sqrt(sum / static_cast<double>(count));
}

} // namespace

TEST_CASE("OutputSet writes a 5 s lesson as WebM (VP9+Opus), faststart MP4 (H.264+AAC) and the audio-only files",
          "[integration]") {
    tafel::test::TempDir dir("tafel-output-set");
    OutputOptions options;
    options.title = "Mathe 7b";
    options.threads = 2;
    auto set = OutputSet::create(dir.path(), options);
    INFO((set ? std::string() : set.error().describe()));
    REQUIRE(set.has_value());
    constexpr int forced = 37;   // not on the 4 s (60 frame) keyframe grid
    write_lesson(**set, 1280, 720, 5 * k_fps, forced);

    const auto webm = dir.path() / "lesson.webm";
    const auto mp4 = dir.path() / "lesson.mp4";
    const auto opus = dir.path() / "lesson.opus.webm";
    const auto m4a = dir.path() / "lesson.m4a";
    CHECK((*set)->files() == std::vector<std::filesystem::path>{webm, mp4, opus, m4a});

    struct Expected {
        std::filesystem::path file;
        const char* video_codec;
        const char* audio_codec;
    };
    for (const auto& expected : {Expected{webm, "vp9", "opus"}, Expected{mp4, "h264", "aac"}}) {
        INFO(expected.file);
        const auto probe = tafel::test::ffprobe_streams_and_format(expected.file);
        const auto video = tafel::test::stream_of(probe, "video");
        const auto audio = tafel::test::stream_of(probe, "audio");
        REQUIRE(video.is_object());
        REQUIRE(audio.is_object());
        CHECK(video.value("codec_name", "") == expected.video_codec);
        CHECK(video.value("width", 0) == 1280);
        CHECK(video.value("height", 0) == 720);
        CHECK(audio.value("codec_name", "") == expected.audio_codec);
        CHECK(audio.value("channels", 0) == 2);
        CHECK(duration_s(probe) == Approx(5.0).margin(0.1));
        CHECK(probe.at("format").value("tags", nlohmann::json::object()).value("title", "") == "Mathe 7b");

        const auto frames = tafel::test::video_frames(expected.file);
        REQUIRE(frames.size() == 5 * k_fps);
        CHECK(frames[0].key);
        CHECK(frames[forced].key);
        CHECK(frames[forced].pts_s == Approx(forced / 15.0).margin(0.002));
        CHECK_FALSE(frames[forced - 1].key);
        CHECK_FALSE(frames[forced + 1].key);
    }

    const auto boxes = tafel::test::top_level_boxes(mp4);
    REQUIRE(tafel::test::box_position(boxes, "moov") >= 0);
    CHECK(tafel::test::box_position(boxes, "moov") < tafel::test::box_position(boxes, "mdat"));

    CHECK(decoded_audio_rms(mp4) > 0.1);

    // The audio-only files: one audio stream each, the whole 5 s, the same packets as the
    // video files' audio (no second encode), sound in them.
    for (const auto& [file, codec, twin] : {std::tuple{opus, "opus", webm}, std::tuple{m4a, "aac", mp4}}) {
        INFO(file);
        const auto probe = tafel::test::ffprobe_streams_and_format(file);
        REQUIRE(probe.value("streams", nlohmann::json::array()).size() == 1);
        const auto audio = tafel::test::stream_of(probe, "audio");
        REQUIRE(audio.is_object());
        CHECK(audio.value("codec_name", "") == codec);
        CHECK(duration_s(probe) == Approx(5.0).margin(0.1));
        const auto packets = [](const std::filesystem::path& f) {
            return tafel::test::ffprobe(f, "-select_streams a:0 -show_entries packet=size,pts")["packets"];
        };
        CHECK(packets(file) == packets(twin));
        CHECK(decoded_audio_rms(file) > 0.1);
    }
    const auto boxes_m4a = tafel::test::top_level_boxes(m4a);
    CHECK(tafel::test::box_position(boxes_m4a, "moov") < tafel::test::box_position(boxes_m4a, "mdat"));
}

TEST_CASE("OutputSet writes VP8 into WebM when asked", "[integration]") {
    tafel::test::TempDir dir("tafel-output-set");
    OutputOptions options;
    options.width = 320;
    options.height = 240;
    options.mp4 = false;
    options.webm_video = tafel::transcode::VideoCodec::vp8;
    auto set = OutputSet::create(dir.path(), options);
    REQUIRE(set.has_value());
    write_lesson(**set, 320, 240, 2 * k_fps, 20);
    CHECK((*set)->files() == std::vector<std::filesystem::path>{dir.path() / "lesson.webm", dir.path() / "lesson.opus.webm"});
    const auto video = tafel::test::stream_of(tafel::test::ffprobe_streams_and_format(dir.path() / "lesson.webm"), "video");
    REQUIRE(video.is_object());
    CHECK(video.value("codec_name", "") == "vp8");
    const auto frames = tafel::test::video_frames(dir.path() / "lesson.webm");
    REQUIRE(frames.size() == 2 * k_fps);
    CHECK(frames[20].key);
}

TEST_CASE("A keyframe at least every keyframe interval, counted in time across gaps", "[integration]") {
    tafel::test::TempDir dir("tafel-output-set");
    OutputOptions options;
    options.width = 320;
    options.height = 240;
    options.keyframe_interval_s = 1;
    auto set = OutputSet::create(dir.path(), options);
    REQUIRE(set.has_value());
    // 6 s with frames 20..39 left out (1.33 s): the frame at 40 must be a keyframe.
    write_lesson(**set, 320, 240, 6 * k_fps, -1, 20, 40);
    for (const auto& file : {dir.path() / "lesson.webm", dir.path() / "lesson.mp4"}) {
        INFO(file);
        const auto frames = tafel::test::video_frames(file);
        REQUIRE(frames.size() == 6 * k_fps - 20);
        double last_key = -1;
        for (const auto& f : frames) {
            INFO(f.pts_s);
            if (f.key) last_key = f.pts_s;
            CHECK(f.pts_s - last_key < 1.0 + 0.001);
        }
        CHECK(frames[20].key);   // pts 40/15 s: 1.4 s after the keyframe at 1 s
    }
}

TEST_CASE("OutputSet holds the previous frame across a gap in frame indices", "[integration]") {
    tafel::test::TempDir dir("tafel-output-set");
    OutputOptions options;
    options.width = 320;
    options.height = 240;
    options.threads = 1;
    options.audio_only = false;
    auto set = OutputSet::create(dir.path(), options);
    REQUIRE(set.has_value());
    // Frames 20..39 never arrive (a still slide): the file still lasts 5 s.
    write_lesson(**set, 320, 240, 5 * k_fps, -1, 20, 40);
    for (const auto& file : (*set)->files()) {
        INFO(file);
        CHECK(duration_s(tafel::test::ffprobe_streams_and_format(file)) == Approx(5.0).margin(0.1));
        const auto frames = tafel::test::video_frames(file);
        REQUIRE(frames.size() == 5 * k_fps - 20);
        CHECK(frames[20].pts_s == Approx(40 / 15.0).margin(0.002));
    }
}

TEST_CASE("OutputSet with only MP4 writes one file", "[integration]") {
    tafel::test::TempDir dir("tafel-output-set");
    OutputOptions options;
    options.width = 320;
    options.height = 240;
    options.webm = false;
    auto set = OutputSet::create(dir.path(), options);
    REQUIRE(set.has_value());
    write_lesson(**set, 320, 240, k_fps, -1);
    CHECK((*set)->files() == std::vector<std::filesystem::path>{dir.path() / "lesson.mp4", dir.path() / "lesson.m4a"});
    CHECK_FALSE(std::filesystem::exists(dir.path() / "lesson.webm"));
}

TEST_CASE("OutputSet rejects frames and audio that go back in time", "[integration]") {
    tafel::test::TempDir dir("tafel-output-set");
    OutputOptions options;
    options.width = 320;
    options.height = 240;
    auto set = OutputSet::create(dir.path(), options);
    REQUIRE(set.has_value());
    Pattern pattern(320, 240);
    REQUIRE((*set)->write_video(pattern.draw(0), 5).has_value());
    auto repeated = (*set)->write_video(pattern.draw(1), 5);
    REQUIRE_FALSE(repeated.has_value());
    CHECK(repeated.error().code == Errc::invalid_argument);
    CHECK_THAT(repeated.error().message, Catch::Contains("5"));

    REQUIRE((*set)->write_audio(sine(0, 960), 0).has_value());
    auto overlap = (*set)->write_audio(sine(480, 960), 480);
    REQUIRE_FALSE(overlap.has_value());
    CHECK(overlap.error().code == Errc::invalid_argument);
    CHECK((*set)->finish().has_value());
}

TEST_CASE("OutputSet::create names the folder it cannot write into", "[integration]") {
    tafel::test::TempDir dir("tafel-output-set");
    SECTION("a folder that does not exist") {
        const auto missing = dir.path() / "no" / "such" / "folder";
        auto set = OutputSet::create(missing, OutputOptions{});
        REQUIRE_FALSE(set.has_value());
        CHECK(set.error().code == Errc::io);
        CHECK_THAT(set.error().message, Catch::Contains(missing.string()));
    }
    SECTION("a path that is a file, not a folder") {
        // (Permission bits would not stop a root test runner; a file in the way stops anyone.)
        const auto file = dir.path() / "not-a-folder";
        std::ofstream(file) << "x";
        auto set = OutputSet::create(file, OutputOptions{});
        REQUIRE_FALSE(set.has_value());
        CHECK(set.error().code == Errc::io);
        CHECK_THAT(set.error().message, Catch::Contains(file.string()));
    }
}

namespace {
std::size_t thread_count() {
    return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator("/proc/self/task"),
                                                  std::filesystem::directory_iterator{}));
}
} // namespace

TEST_CASE("An OutputSet dropped without finish() stops its encoding threads", "[integration]") {
    // A render job that fails half-way destroys its OutputSet; its threads must not outlive it.
    tafel::test::TempDir dir("tafel-output-set");
    const std::size_t before = thread_count();
    {
        OutputOptions options;
        options.width = 320;
        options.height = 240;
        options.threads = 1;
        auto set = OutputSet::create(dir.path(), options);
        REQUIRE(set.has_value());
        Pattern pattern(320, 240);
        for (int i = 0; i < 10; ++i) REQUIRE((*set)->write_video(pattern.draw(i), i).has_value());
        REQUIRE((*set)->write_audio(sine(0, 4800), 0).has_value());
        CHECK(thread_count() > before);
    }
    CHECK(thread_count() == before);
}

TEST_CASE("OutputSet compares only the areas the caller says changed, and those exactly", "[integration]") {
    tafel::test::TempDir dir("tafel-output-set");
    OutputOptions options;
    options.width = 320;
    options.height = 240;
    options.threads = 1;
    options.audio_only = false;
    options.webm = false;
    auto set = OutputSet::create(dir.path(), options);
    REQUIRE(set.has_value());
    Pattern pattern(320, 240);
    // Frame 1 moves the box by 8 px: with no areas given the full comparison finds the blocks
    // on the box's left and right edges (rows 80..139 → block rows 5..8).
    REQUIRE((*set)->write_video(pattern.draw(0), 0).has_value());
    REQUIRE((*set)->write_video(pattern.draw(1), 1).has_value());
    const auto full = (*set)->stats().changed_blocks - (*set)->stats().blocks_per_frame;
    CHECK(full > 0);
    // Frame 2 moves it again, but the caller names only the left 64 px: the blocks there
    // that really changed are found, the others are not compared.
    const std::vector<tafel::transcode::Rect> left{{0, 0, 64, 240}};
    REQUIRE((*set)->write_video(pattern.draw(2), 2, false, left).has_value());
    const auto after_left = (*set)->stats().changed_blocks - (*set)->stats().blocks_per_frame - full;
    CHECK(after_left == 4); // block column 0 (x 8..15, which the box left), rows 5..8
    // An area where nothing changed: no block counted, the frame is still.
    const std::vector<tafel::transcode::Rect> elsewhere{{256, 0, 64, 64}};
    REQUIRE((*set)->write_video(pattern.draw(2), 3, false, elsewhere).has_value());
    CHECK((*set)->stats().still_frames == 1);
    REQUIRE((*set)->finish().has_value());
}
