#include "transcode/audio_decoder.hpp"
#include "transcode/video_decoder.hpp"

#include "test_media.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>

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
