#pragma once
// The one error type of tafel. Every C library's error codes are translated into it in
// exactly one function of the module that owns that library (see docs/architecture.md).
#include <expected>
#include <string>
#include <utility>

namespace tafel {

enum class Errc {
    invalid_argument,   // a caller passed something that cannot be right
    malformed_input,    // bytes from outside (packet, file, request) do not parse
    not_found,          // a file, recording, job or row does not exist
    already_exists,
    io,                 // the OS refused a read/write/open (errno text in the message)
    no_space,           // disk full: callers degrade instead of failing the process
    codec,              // an FFmpeg/libvpx/x264/opus call failed
    database,           // SQLite or PostgreSQL failed
    network,
    unsupported,        // valid input that tafel does not handle (named in the message)
    cancelled,
    internal,           // a bug: an invariant did not hold
};

const char* to_string(Errc code) noexcept;

struct Error {
    Errc code = Errc::internal;
    std::string message; // names what was wrong: the file, field, packet or event

    Error() = default;
    Error(Errc c, std::string m) : code(c), message(std::move(m)) {}
    std::string describe() const;
};

template <typename T>
using Result = std::expected<T, Error>;

// Shorthand for `return tafel::fail(Errc::io, "open {}: {}", path, strerror(errno));`
inline std::unexpected<Error> fail(Errc code, std::string message) {
    return std::unexpected(Error{code, std::move(message)});
}

} // namespace tafel
