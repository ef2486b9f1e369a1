#include "mux/av_error.hpp"

extern "C" {
#include <libavutil/error.h>
}

#include <fmt/format.h>

#include <array>
#include <cerrno>

namespace tafel::mux {

namespace {

Errc classify(int av_code) {
    // AVERROR(e) is -e for POSIX errno values (libavutil/error.h); the FFERRTAG codes are
    // libav's own and mean the data or the codec refused.
    switch (av_code) {
    case AVERROR(ENOSPC): return Errc::no_space;
    case AVERROR(ENOENT):
    case AVERROR(ENOTDIR):
    case AVERROR(EACCES):
    case AVERROR(EPERM):
    case AVERROR(EROFS):
    case AVERROR(EISDIR):
    case AVERROR(EIO): return Errc::io;
    case AVERROR(EINVAL):
    case AVERROR(ERANGE): return Errc::invalid_argument;
    case AVERROR_INVALIDDATA: return Errc::malformed_input;
    case AVERROR_ENCODER_NOT_FOUND:
    case AVERROR_DECODER_NOT_FOUND:
    case AVERROR_MUXER_NOT_FOUND:
    case AVERROR_DEMUXER_NOT_FOUND:
    case AVERROR_PATCHWELCOME: return Errc::unsupported;
    case AVERROR_EXIT: return Errc::cancelled;
    case AVERROR_BUG:
    case AVERROR_BUG2:
    case AVERROR(ENOMEM): return Errc::internal;
    default: return Errc::codec;
    }
}

} // namespace

Error av_error(int av_code, std::string_view operation) {
    std::array<char, AV_ERROR_MAX_STRING_SIZE> text{};
    if (av_strerror(av_code, text.data(), text.size()) < 0) {
        fmt::format_to_n(text.data(), text.size() - 1, "libav error {}", av_code);
    }
    return Error{classify(av_code), fmt::format("{}: {}", operation, text.data())};
}

} // namespace tafel::mux
