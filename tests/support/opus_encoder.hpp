#pragma once
// A libopus encoder at WebRTC's Opus format (RFC 7587 4.1: 48 kHz, two channels) as an owning
// handle; the caller sets bitrate and complexity with opus_encoder_ctl.
#include <opus/opus.h>

#include <memory>

namespace tafel::test {

struct OpusEncoderDeleter {
    void operator()(OpusEncoder* e) const noexcept { opus_encoder_destroy(e); }
};
using OpusEncoderPtr = std::unique_ptr<OpusEncoder, OpusEncoderDeleter>;

// `application`: OPUS_APPLICATION_AUDIO or OPUS_APPLICATION_VOIP. Throws std::runtime_error.
OpusEncoderPtr make_opus_encoder(int application);

} // namespace tafel::test
