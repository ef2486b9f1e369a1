// RFC 9110 section 14 Range parsing, table-driven.
#include "player/detail/byte_range.hpp"

#include <catch2/catch.hpp>

using tafel::player::detail::ByteRange;
using tafel::player::detail::parse_range;
using Kind = ByteRange::Kind;

TEST_CASE("Range header cases of RFC 9110 14.1.2", "[unit]") {
    struct Row {
        const char* header;
        std::uint64_t size;
        Kind kind;
        std::uint64_t first;
        std::uint64_t last;
    };
    const Row rows[] = {
        {"", 1000, Kind::full, 0, 0},
        {"bytes=0-499", 1000, Kind::partial, 0, 499},
        {"bytes=500-999", 1000, Kind::partial, 500, 999},
        {"bytes=500-", 1000, Kind::partial, 500, 999},
        {"bytes=-500", 1000, Kind::partial, 500, 999},
        {"bytes=-1", 1000, Kind::partial, 999, 999},
        {"bytes=-5000", 1000, Kind::partial, 0, 999},      // suffix longer than the file
        {"bytes=0-0", 1000, Kind::partial, 0, 0},
        {"bytes=900-99999", 1000, Kind::partial, 900, 999}, // last-pos clamped
        {"Bytes = 10-19", 1000, Kind::partial, 10, 19},     // unit is case-insensitive
        {"bytes=999-", 1000, Kind::partial, 999, 999},
        {"bytes=1000-", 1000, Kind::unsatisfiable, 0, 0},
        {"bytes=1000-2000", 1000, Kind::unsatisfiable, 0, 0},
        {"bytes=-0", 1000, Kind::unsatisfiable, 0, 0},
        {"bytes=0-", 0, Kind::unsatisfiable, 0, 0},          // nothing in an empty file
        {"bytes=99999999999999999999999-", 1000, Kind::unsatisfiable, 0, 0},
        {"bytes=5-3", 1000, Kind::full, 0, 0},               // invalid: ignored
        {"bytes=abc", 1000, Kind::full, 0, 0},
        {"bytes=", 1000, Kind::full, 0, 0},
        {"bytes=-", 1000, Kind::full, 0, 0},
        {"items=0-5", 1000, Kind::full, 0, 0},               // unknown unit
        {"bytes 0-5", 1000, Kind::full, 0, 0},
        {"bytes=0-1,5-6", 1000, Kind::full, 0, 0},           // several: whole file
        {"bytes=2000-,3000-", 1000, Kind::unsatisfiable, 0, 0},
        {"bytes=10-19,", 1000, Kind::partial, 10, 19},       // empty list element
    };
    for (const auto& row : rows) {
        INFO(row.header << " size " << row.size);
        const ByteRange r = parse_range(row.header, row.size);
        CHECK(r.kind == row.kind);
        if (row.kind == Kind::partial) {
            CHECK(r.first == row.first);
            CHECK(r.last == row.last);
            CHECK(r.length() == row.last - row.first + 1);
        }
    }
}

TEST_CASE("every satisfiable int-range stays inside the file", "[unit]") {
    const std::uint64_t size = GENERATE(1, 2, 7, 1000);
    for (std::uint64_t first = 0; first < size + 3; ++first) {
        for (std::uint64_t last = first; last < size + 3; ++last) {
            const auto r = parse_range("bytes=" + std::to_string(first) + "-" + std::to_string(last), size);
            if (first >= size) {
                CHECK(r.kind == Kind::unsatisfiable);
            } else {
                REQUIRE(r.kind == Kind::partial);
                CHECK(r.first == first);
                CHECK(r.last < size);
                CHECK(r.last == std::min(last, size - 1));
            }
        }
        if (size > 10) break; // the quadratic walk only for tiny files
    }
}
