#pragma once
// The one translation of libav error codes (AVERROR(...)) into tafel::Error. It lives in mux/
// because mux/ is the lowest module that calls libav; transcode/av_error.hpp re-exports it.
#include "core/error.hpp"

#include <string>
#include <string_view>

namespace tafel::mux {

// av_strerror's text, prefixed by the failed operation ("open /data/tmp/x/lesson.mp4"), with
// an Errc chosen from the errno behind the code (ENOSPC → no_space, ENOENT/EACCES → io, …).
Error av_error(int av_code, std::string_view operation);

// Shorthand for `return av_fail(ret, "avcodec_open2 libx264");`
inline std::unexpected<Error> av_fail(int av_code, std::string_view operation) {
    return std::unexpected(av_error(av_code, operation));
}

} // namespace tafel::mux
