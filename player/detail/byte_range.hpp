#pragma once
// The Range header of RFC 9110 section 14 for one representation of `size` bytes.
#include <cstdint>
#include <string_view>

namespace tafel::player::detail {

struct ByteRange {
    enum class Kind {
        full,           // no usable Range: send 200 with the whole representation
        partial,        // send 206 with bytes [first, last]
        unsatisfiable,  // send 416 with "Content-Range: bytes */size" (RFC 9110 15.5.17)
    };
    Kind kind = Kind::full;
    std::uint64_t first = 0;
    std::uint64_t last = 0; // inclusive

    std::uint64_t length() const { return last - first + 1; }
};

// `header` is the Range field value (empty when absent). Syntax errors, other range units
// and unsatisfiable-looking invalid ranges ("5-3") are ignored as RFC 9110 14.2 allows. A
// request for several ranges is answered with the whole representation (14.2 lets a server
// ignore the field) unless none of them overlaps it, then 416.
ByteRange parse_range(std::string_view header, std::uint64_t size);

} // namespace tafel::player::detail
