#pragma once
// libav error codes → tafel::Error. The one translating function is mux::av_error (mux/ is
// the lowest module that calls libav, and transcode/ may use mux/ but not the other way);
// this header puts it in transcode's namespace for the decoders, encoders and render job.
#include "mux/av_error.hpp"

namespace tafel::transcode {

using mux::av_error;
using mux::av_fail;

} // namespace tafel::transcode
