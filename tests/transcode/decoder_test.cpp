#include "transcode/audio_decoder.hpp"
#include "transcode/video_decoder.hpp"

#include "test_media.hpp"
#include "transcode/av_handles.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/dict.h>
#include <libavutil/frame.h>
}

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

using namespace tafel;
using namespace tafel::transcode;
using namespace tafel::transcode::test;

TEST_CASE("VP8 frames encoded with libvpx decode to the same picture", "[unit]") {
    const auto frames = encode_vp8(320, 240, 6, Yuv{200, 90, 160});
    REQUIRE(frames.size() == 6);
    CHECK(vp8_is_keyframe(frames[0]));
    CHECK_FALSE(vp8_is_keyframe(frames[1]));
    auto decoder = VideoDecoder::create(1);
    REQUIRE(decoder.has_value());
    I420Frame picture;
    for (const auto& f : frames) {
        auto got = decoder->decode(f, picture);
        REQUIRE(got.has_value());
        CHECK(*got); // no delay: every frame gives its picture
    }
    CHECK(decoder->stats().pictures_out == 6);
    REQUIRE(picture.width == 320);
    REQUIRE(picture.height == 240);
    CHECK(std::abs(picture.y[160 * static_cast<std::size_t>(picture.stride_y) + 120] - 200) <= 3);
    CHECK(std::abs(picture.u[60 * static_cast<std::size_t>(picture.stride_uv) + 80] - 90) <= 3);
    CHECK(std::abs(picture.v[60 * static_cast<std::size_t>(picture.stride_uv) + 80] - 160) <= 3);
}

TEST_CASE("VP8 decoder follows a resolution change at a keyframe", "[unit]") {
    auto decoder = VideoDecoder::create(2);
    REQUIRE(decoder.has_value());
    I420Frame picture;
    for (const auto& f : encode_vp8(320, 240, 3, Yuv{100, 128, 128})) REQUIRE(decoder->decode(f, picture).has_value());
    CHECK(picture.width == 320);
    for (const auto& f : encode_vp8(176, 144, 3, Yuv{50, 128, 128})) REQUIRE(decoder->decode(f, picture).value());
    CHECK(picture.width == 176);
    CHECK(picture.height == 144);
    CHECK(std::abs(picture.y[10] - 50) <= 3);
}

TEST_CASE("VP8 decoder skips inter frames until a keyframe and survives garbage", "[unit]") {
    const auto frames = encode_vp8(160, 120, 8, Yuv{120, 128, 128}, 4);
    auto decoder = VideoDecoder::create(1);
    REQUIRE(decoder.has_value());
    I420Frame picture;
    // Joined mid-stream: frames 1..3 have nothing to predict from.
    for (int i = 1; i < 4; ++i) CHECK_FALSE(decoder->decode(frames[static_cast<std::size_t>(i)], picture).value());
    CHECK(decoder->stats().dropped_before_keyframe == 3);
    CHECK(decoder->decode(frames[4], picture).value());
    const std::vector<std::uint8_t> garbage{0x00, 0x01, 0x02, 0x03, 0xff, 0xfe};
    auto bad = decoder->decode(garbage, picture);
    REQUIRE(bad.has_value()); // dropped and counted, never an error
    CHECK_FALSE(*bad);
    CHECK(decoder->stats().corrupt == 1);
}

TEST_CASE("Opus packets decode to 48 kHz stereo float at the right level", "[unit]") {
    const auto packets = encode_opus_sine(25, 440, 0.5, 2); // 500 ms
    auto decoder = AudioDecoder::create(2);
    REQUIRE(decoder.has_value());
    std::vector<float> pcm;
    for (const auto& p : packets) CHECK(decoder->decode(p, pcm).value() == 960);
    REQUIRE(pcm.size() == 25u * 960u * 2u);
    // RMS of the second half: a 0.5 sine has RMS 0.354.
    double sum = 0;
    const std::size_t from = pcm.size() / 2;
    for (std::size_t i = from; i < pcm.size(); ++i) sum += static_cast<double>(pcm[i]) * pcm[i];
    CHECK(std::sqrt(sum / static_cast<double>(pcm.size() - from)) == Approx(0.354).margin(0.04));
}

TEST_CASE("mono Opus is put on both channels", "[unit]") {
    const auto packets = encode_opus_sine(10, 1000, 0.4, 1);
    auto decoder = AudioDecoder::create(1);
    REQUIRE(decoder.has_value());
    std::vector<float> pcm;
    for (const auto& p : packets) REQUIRE(decoder->decode(p, pcm).has_value());
    REQUIRE(pcm.size() == 10u * 960u * 2u);
    float peak = 0;
    for (std::size_t i = 0; i < pcm.size(); i += 2) {
        REQUIRE(pcm[i] == pcm[i + 1]);
        peak = std::max(peak, std::fabs(pcm[i]));
    }
    CHECK(peak > 0.3f);
    CHECK(AudioDecoder::create(6).error().code == Errc::unsupported);
}

namespace {

// `count` frames of a solid colour through one of libavcodec's encoders ("libvpx-vp9",
// "libx264"), as the depacketizers would deliver them (VP9 frames; H.264 Annex B access units
// with SPS/PPS in band). Each packet keeps its presentation index as pts.
struct Encoded {
    std::vector<std::uint8_t> data;
    std::int64_t pts = 0;
};
std::vector<Encoded> encode_with(const char* encoder, int width, int height, int count, Yuv colour, int b_frames = 0) {
    const AVCodec* codec = avcodec_find_encoder_by_name(encoder);
    REQUIRE(codec != nullptr);
    auto ctx = make_codec_context(*codec);
    REQUIRE(ctx.has_value());
    AVCodecContext* c = ctx->get();
    c->width = width;
    c->height = height;
    c->pix_fmt = AV_PIX_FMT_YUV420P;
    c->time_base = AVRational{1, 15};
    c->gop_size = count;
    c->max_b_frames = b_frames;
    c->bit_rate = 300'000;
    c->thread_count = 1;
    AVDictionary* opts = nullptr;
    if (std::string(encoder) == "libx264") {
        av_dict_set(&opts, "preset", "veryfast", 0);
        av_dict_set(&opts, "x264-params", fmt::format("bframes={}:b-adapt=0", b_frames).c_str(), 0);
    } else {
        av_dict_set(&opts, "deadline", "realtime", 0);
        av_dict_set(&opts, "cpu-used", "8", 0);
    }
    const int opened = avcodec_open2(c, codec, &opts);
    av_dict_free(&opts);
    REQUIRE(opened >= 0);
    auto frame = make_frame();
    REQUIRE(frame.has_value());
    AVFrame* f = frame->get();
    f->width = width;
    f->height = height;
    f->format = AV_PIX_FMT_YUV420P;
    REQUIRE(av_frame_get_buffer(f, 0) >= 0);
    AVPacket* pkt = av_packet_alloc();
    std::vector<Encoded> out;
    const auto drain = [&] {
        while (avcodec_receive_packet(c, pkt) == 0) {
            out.push_back({std::vector<std::uint8_t>(pkt->data, pkt->data + pkt->size), pkt->pts});
            av_packet_unref(pkt);
        }
    };
    for (int i = 0; i < count; ++i) {
        REQUIRE(av_frame_make_writable(f) >= 0);
        for (int y = 0; y < height; ++y) std::memset(f->data[0] + y * f->linesize[0], colour.y, static_cast<std::size_t>(width));
        for (int y = 0; y < height / 2; ++y) {
            std::memset(f->data[1] + y * f->linesize[1], colour.u, static_cast<std::size_t>(width / 2));
            std::memset(f->data[2] + y * f->linesize[2], colour.v, static_cast<std::size_t>(width / 2));
        }
        f->pts = i;
        REQUIRE(avcodec_send_frame(c, f) >= 0);
        drain();
    }
    REQUIRE(avcodec_send_frame(c, nullptr) >= 0);
    drain();
    av_packet_free(&pkt);
    return out;
}

// Decodes `frames` in order, then drains; returns the pts of every picture in output order
// and leaves the last picture in `picture`.
std::vector<std::int64_t> decode_all(VideoDecoder& decoder, const std::vector<Encoded>& frames, I420Frame& picture,
                                     std::vector<std::pair<int, int>>* sizes = nullptr) {
    std::vector<std::int64_t> shown;
    const auto note = [&] {
        shown.push_back(decoder.picture_pts());
        if (sizes) sizes->emplace_back(picture.width, picture.height);
    };
    for (const auto& f : frames) {
        auto got = decoder.decode(f.data, picture, f.pts);
        REQUIRE(got.has_value());
        if (*got) note();
    }
    for (;;) {
        auto got = decoder.flush(picture);
        REQUIRE(got.has_value());
        if (!*got) break;
        note();
    }
    return shown;
}

} // namespace

TEST_CASE("codec names of recording.json map to decoders", "[unit]") {
    CHECK(video_codec_from_name("VP8").value() == VideoCodec::vp8);
    CHECK(video_codec_from_name("vp9").value() == VideoCodec::vp9);
    CHECK(video_codec_from_name("H264").value() == VideoCodec::h264);
    CHECK(video_codec_from_name("H.264").value() == VideoCodec::h264);
    CHECK(video_codec_from_name("AV1").error().code == Errc::unsupported);
}

TEST_CASE("VP9 decodes and follows a mid-stream resolution change", "[unit]") {
    const auto first = encode_with("libvpx-vp9", 320, 240, 5, Yuv{200, 90, 160});
    const auto second = encode_with("libvpx-vp9", 176, 144, 5, Yuv{60, 128, 128});
    REQUIRE(first.size() == 5);
    CHECK(vp9_is_keyframe(first[0].data));
    CHECK_FALSE(vp9_is_keyframe(first[1].data));
    auto decoder = VideoDecoder::create(1, VideoCodec::vp9);
    REQUIRE(decoder.has_value());
    I420Frame picture;
    // Joined mid-stream: inter frames before the first keyframe are skipped, not errors.
    CHECK_FALSE(decoder->decode(first[1].data, picture).value());
    std::vector<Encoded> stream(first.begin(), first.end());
    stream.insert(stream.end(), second.begin(), second.end());
    std::vector<std::pair<int, int>> sizes;
    const auto shown = decode_all(*decoder, stream, picture, &sizes);
    CHECK(shown.size() == 10);
    CHECK(decoder->stats().corrupt == 0);
    CHECK(decoder->stats().size_changes == 1);
    REQUIRE(sizes.size() == 10);
    CHECK(sizes[4] == std::pair{320, 240});
    CHECK(sizes[5] == std::pair{176, 144});
    CHECK(std::abs(picture.y[72 * static_cast<std::size_t>(picture.stride_y) + 88] - 60) <= 3);
}

TEST_CASE("H.264 with B-frames decodes every picture in presentation order and follows a new SPS", "[unit]") {
    const auto first = encode_with("libx264", 320, 240, 12, Yuv{180, 100, 150}, 2);
    const auto second = encode_with("libx264", 176, 144, 6, Yuv{70, 128, 128}, 2);
    REQUIRE(first.size() == 12);
    CHECK(h264_is_keyframe(first[0].data));
    CHECK_FALSE(h264_is_keyframe(first[1].data));
    // B-frames: the encoder emits them after the frame they refer forward to.
    bool reordered = false;
    for (std::size_t i = 1; i < first.size(); ++i) reordered = reordered || first[i].pts < first[i - 1].pts;
    CHECK(reordered);
    auto decoder = VideoDecoder::create(1, VideoCodec::h264);
    REQUIRE(decoder.has_value());
    std::vector<Encoded> stream(first.begin(), first.end());
    for (auto e : second) {
        e.pts += 100;
        stream.push_back(std::move(e));
    }
    I420Frame picture;
    std::vector<std::pair<int, int>> sizes;
    const auto shown = decode_all(*decoder, stream, picture, &sizes);
    REQUIRE(shown.size() == 18);
    CHECK(std::is_sorted(shown.begin(), shown.end())); // presentation order, nothing lost
    CHECK(shown.front() == 0);
    CHECK(shown.back() == 105);
    CHECK(decoder->stats().corrupt == 0);
    CHECK(decoder->stats().size_changes == 1);
    CHECK(sizes[11] == std::pair{320, 240});
    CHECK(sizes[12] == std::pair{176, 144});
    CHECK(std::abs(picture.y[72 * static_cast<std::size_t>(picture.stride_y) + 88] - 70) <= 3);
}
