#pragma once
// The lesson's audio timeline: every decoded track's samples are placed at their lesson
// time (in 48 kHz samples from the recording start) and summed; the sum goes through a
// soft clipper, and any time nobody sent audio is silence. Streaming: only the window
// between what was already taken and the latest sample added is held in memory.
#include <cstdint>
#include <span>
#include <vector>

namespace tafel::transcode {

class AudioMixer {
public:
    // Adds interleaved stereo samples whose first sample frame belongs at `first_sample`.
    // Samples before the already-taken position are dropped (counted in late_samples()).
    void add(std::int64_t first_sample, std::span<const float> interleaved_stereo);

    // Mixes and returns every sample frame from position() up to (not including)
    // `end_sample`, interleaved stereo; the position advances to `end_sample`.
    std::vector<float> take(std::int64_t end_sample);

    std::int64_t position() const { return position_; }
    std::int64_t late_samples() const { return late_samples_; }
    // Sample frames currently buffered ahead of position() (bounded by how far ahead the
    // caller adds).
    std::int64_t buffered() const { return static_cast<std::int64_t>(sum_.size() / 2); }

private:
    std::int64_t position_ = 0;      // first sample frame not yet taken
    std::vector<float> sum_;         // interleaved running sum from position_
    std::int64_t late_samples_ = 0;
};

// Identity below the knee, then a smooth curve that approaches ±1 without ever reaching
// it: loud overlaps bend instead of wrapping or clipping hard.
float soft_clip(float x);

} // namespace tafel::transcode
