#include "transcode/audio_mixer.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <vector>

using namespace tafel::transcode;

namespace {

std::vector<float> tone(int frames, double hz, float amplitude, std::int64_t phase_start) {
    std::vector<float> out(static_cast<std::size_t>(frames) * 2);
    for (int i = 0; i < frames; ++i) {
        const double t = static_cast<double>(phase_start + i) / 48000.0;
        const auto v = static_cast<float>(amplitude * std::sin(2 * std::numbers::pi * hz * t));
        out[static_cast<std::size_t>(i) * 2] = v;
        out[static_cast<std::size_t>(i) * 2 + 1] = -v;
    }
    return out;
}

} // namespace

TEST_CASE("two tones at offsets sum in the overlap and a gap is silence", "[unit]") {
    AudioMixer mixer;
    const auto a = tone(4800, 440, 0.3f, 0);       // 0..100 ms
    const auto b = tone(4800, 1000, 0.3f, 0);      // 50..150 ms
    mixer.add(0, a);
    mixer.add(2400, b);
    const auto out = mixer.take(12000);            // 0..250 ms
    REQUIRE(out.size() == 24000);
    CHECK(mixer.position() == 12000);
    for (int i = 0; i < 12000; ++i) {
        float expected = 0;
        if (i < 4800) expected += a[static_cast<std::size_t>(i) * 2];
        if (i >= 2400 && i < 7200) expected += b[static_cast<std::size_t>(i - 2400) * 2];
        INFO("sample " << i);
        REQUIRE(out[static_cast<std::size_t>(i) * 2] == Approx(expected).margin(1e-6));
        REQUIRE(out[static_cast<std::size_t>(i) * 2 + 1] == Approx(-expected).margin(1e-6));
    }
    // 150..250 ms: nobody spoke.
    for (int i = 7200; i < 12000; ++i) REQUIRE(out[static_cast<std::size_t>(i) * 2] == 0.0f);
}

TEST_CASE("mixer taken in chunks gives the same timeline as at once", "[unit]") {
    AudioMixer whole;
    AudioMixer chunked;
    const auto a = tone(960, 300, 0.5f, 0);
    std::vector<float> chunks;
    for (int p = 0; p < 10; ++p) {
        whole.add(p * 960 + 480, a);
    }
    for (int p = 0; p < 10; ++p) {
        chunked.add(p * 960 + 480, a);
        auto part = chunked.take((p + 1) * 960);
        chunks.insert(chunks.end(), part.begin(), part.end());
        CHECK(chunked.buffered() <= 960); // memory stays at about one packet
    }
    auto rest = chunked.take(10 * 960 + 480);
    chunks.insert(chunks.end(), rest.begin(), rest.end());
    CHECK(chunks == whole.take(10 * 960 + 480));
}

TEST_CASE("loud overlaps are soft-clipped below full scale, late audio is dropped", "[unit]") {
    CHECK(soft_clip(0.5f) == 0.5f);
    CHECK(soft_clip(-0.9f) == -0.9f);
    CHECK(soft_clip(1.6f) < 1.0f);
    CHECK(soft_clip(1.6f) > 0.9f);
    CHECK(soft_clip(-1.6f) == -soft_clip(1.6f));
    CHECK(soft_clip(1.2f) < soft_clip(1.6f)); // still monotonic: louder stays louder

    AudioMixer mixer;
    std::vector<float> loud(200, 0.8f);
    mixer.add(0, loud);
    mixer.add(0, loud);
    auto out = mixer.take(100);
    CHECK(out[0] < 1.0f);
    CHECK(out[0] > 0.9f);
    // Audio for a time already taken cannot be mixed any more.
    mixer.add(50, std::vector<float>(200, 0.5f));
    CHECK(mixer.late_samples() == 50);
    out = mixer.take(200);
    CHECK(out[0] == 0.5f);
    CHECK(out[100] == 0.0f);
}
