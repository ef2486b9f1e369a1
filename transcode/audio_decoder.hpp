#pragma once
// Opus → interleaved float stereo at 48 kHz through libavcodec ("opus", else "libopus").
// Opus always decodes at 48 kHz (RFC 7587 4.1: the RTP clock rate is 48000 whatever the
// coded bandwidth); mono streams are duplicated onto both channels.
#include "core/error.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace tafel::transcode {

inline constexpr int k_mix_sample_rate = 48000;
inline constexpr int k_mix_channels = 2;

class AudioDecoder {
public:
    // `channels`: the stream's channel count from recording.json (1 or 2; 0 means 2).
    static Result<AudioDecoder> create(int channels);

    AudioDecoder(AudioDecoder&&) noexcept;
    AudioDecoder& operator=(AudioDecoder&&) noexcept;
    ~AudioDecoder();

    // Decodes one Opus packet and appends its samples to `out` (interleaved L R L R …).
    // Returns the number of sample frames appended: 0 when the packet was rejected (counted,
    // not an error: the mixer fills the gap with silence).
    Result<int> decode(std::span<const std::uint8_t> packet, std::vector<float>& out);

    std::uint64_t corrupt_packets() const;

    struct Impl;

private:
    explicit AudioDecoder(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace tafel::transcode
