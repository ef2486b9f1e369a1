#include "tests/support/opus_encoder.hpp"

#include <stdexcept>
#include <string>

namespace tafel::test {

OpusEncoderPtr make_opus_encoder(int application) {
    int err = 0;
    OpusEncoderPtr enc(opus_encoder_create(48'000, 2, application, &err));
    if (err != OPUS_OK || !enc) throw std::runtime_error(std::string("opus_encoder_create: ") + opus_strerror(err));
    return enc;
}

} // namespace tafel::test
