#pragma once
// One audio encoder (Opus via libopus or AAC via FFmpeg's native encoder) for interleaved
// float stereo. Converts to the encoder's sample format and rate (libswresample) and cuts
// the stream into the encoder's frame size (AVAudioFifo). Move-only; fed by one thread.
#include "core/error.hpp"
#include "core/rational.hpp"
#include "transcode/av_handles.hpp"
#include "transcode/video_encoder.hpp"   // PacketSink

#include <cstdint>
#include <span>

struct AVCodecParameters;

namespace tafel::transcode {

enum class AudioCodec { opus, aac };

struct AudioEncoderOptions {
    AudioCodec codec = AudioCodec::opus;
    int input_sample_rate = 48000;   // of the interleaved float stereo given to encode()
    int bit_rate = 0;                // 0: 96 kb/s for Opus, 128 kb/s for AAC
    bool global_header = false;      // the container wants codec headers in extradata
};

class AudioEncoder {
public:
    static Result<AudioEncoder> create(const AudioEncoderOptions& options);

    // Appends interleaved stereo float samples (-1..1) to the stream; every packet that
    // became ready goes to `sink` (timestamps in time_base(), 0 = the first sample).
    Result<void> encode(std::span<const float> interleaved, const PacketSink& sink);
    // Encodes what is buffered (a short last frame, or one padded with silence where the
    // codec needs full frames) and drains the encoder.
    Result<void> flush(const PacketSink& sink);

    const AVCodecParameters& parameters() const { return *parameters_; }
    Rational time_base() const;          // 1 / the encoder's sample rate
    const char* codec_name() const;

private:
    AudioEncoder(CodecContextPtr context, CodecParametersPtr parameters, PacketPtr packet, SwrPtr resampler,
                 AudioFifoPtr fifo);
    Result<void> send_frames(bool final, const PacketSink& sink);
    Result<void> drain(const PacketSink& sink);

    CodecContextPtr context_;
    CodecParametersPtr parameters_;
    PacketPtr packet_;
    SwrPtr resampler_;
    AudioFifoPtr fifo_;
    std::int64_t next_pts_ = 0;   // in encoder samples
};

} // namespace tafel::transcode
