#pragma once
// Splits a request target into decoded path segments, refusing anything that could name a
// file outside the folder a route serves (RFC 3986 3.3 / 2.1): dot segments, encoded
// slashes, NUL, backslashes, or a target that is not origin-form (RFC 9110 7.1).
#include "core/error.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace tafel::player::detail {

struct Target {
    std::vector<std::string> segments; // "/r/abc/media/x" → {"r","abc","media","x"}; "/" → {}
    std::string query;                 // after '?', undecoded
    bool trailing_slash = false;       // "/r/abc/" (and not "/")
};

// Errc::malformed_input naming the problem ("dot segment in path") when the target is unsafe.
Result<Target> parse_target(std::string_view target);

// Percent-decoding of one segment (RFC 3986 2.1); fails on a truncated or non-hex escape.
Result<std::string> percent_decode(std::string_view s);

} // namespace tafel::player::detail
