#include "core/error.hpp"

namespace tafel {

const char* to_string(Errc code) noexcept {
    switch (code) {
    case Errc::invalid_argument: return "invalid argument";
    case Errc::malformed_input: return "malformed input";
    case Errc::not_found: return "not found";
    case Errc::already_exists: return "already exists";
    case Errc::io: return "I/O error";
    case Errc::no_space: return "no space left";
    case Errc::codec: return "codec error";
    case Errc::database: return "database error";
    case Errc::network: return "network error";
    case Errc::unsupported: return "unsupported";
    case Errc::cancelled: return "cancelled";
    case Errc::internal: return "internal error";
    }
    return "unknown error";
}

std::string Error::describe() const {
    return std::string(to_string(code)) + ": " + message;
}

} // namespace tafel
