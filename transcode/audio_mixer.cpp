#include "transcode/audio_mixer.hpp"

#include <algorithm>
#include <cmath>

namespace tafel::transcode {

namespace {
constexpr float k_knee = 0.9f;
constexpr float k_headroom = 1.0f - k_knee;
} // namespace

float soft_clip(float x) {
    const float magnitude = std::fabs(x);
    if (magnitude <= k_knee) return x;
    // tanh keeps the slope 1 at the knee (continuous first derivative) and saturates at 1.
    const float bent = k_knee + k_headroom * std::tanh((magnitude - k_knee) / k_headroom);
    return std::copysign(bent, x);
}

void AudioMixer::add(std::int64_t first_sample, std::span<const float> interleaved) {
    std::int64_t frames = static_cast<std::int64_t>(interleaved.size() / 2);
    std::int64_t skip = 0;
    if (first_sample < position_) {
        skip = std::min(frames, position_ - first_sample);
        late_samples_ += skip;
    }
    if (skip >= frames) return;
    const std::int64_t offset = first_sample + skip - position_; // frames from position_
    const std::int64_t end = offset + (frames - skip);
    if (static_cast<std::int64_t>(sum_.size()) < end * 2) sum_.resize(static_cast<std::size_t>(end * 2), 0.0f);
    const float* src = interleaved.data() + skip * 2;
    float* dst = sum_.data() + offset * 2;
    for (std::int64_t i = 0; i < (frames - skip) * 2; ++i) dst[i] += src[i];
}

std::vector<float> AudioMixer::take(std::int64_t end_sample) {
    if (end_sample <= position_) return {};
    const auto count = static_cast<std::size_t>(end_sample - position_) * 2;
    std::vector<float> out(count, 0.0f);
    const std::size_t available = std::min(count, sum_.size());
    std::transform(sum_.begin(), sum_.begin() + static_cast<std::ptrdiff_t>(available), out.begin(), soft_clip);
    sum_.erase(sum_.begin(), sum_.begin() + static_cast<std::ptrdiff_t>(available));
    position_ = end_sample;
    return out;
}

} // namespace tafel::transcode
