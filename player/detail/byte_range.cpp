#include "player/detail/byte_range.hpp"

#include "player/detail/reply.hpp"

#include <limits>
#include <optional>
#include <vector>

namespace tafel::player::detail {

namespace {

constexpr std::uint64_t k_max = std::numeric_limits<std::uint64_t>::max();

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// 1*DIGIT; saturates instead of overflowing (a huge first-pos is simply beyond the end).
std::optional<std::uint64_t> parse_digits(std::string_view s) {
    if (s.empty()) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        const auto d = static_cast<std::uint64_t>(c - '0');
        v = v > (k_max - d) / 10 ? k_max : v * 10 + d;
    }
    return v;
}

struct Spec {
    std::optional<std::uint64_t> first; // absent: suffix range
    std::optional<std::uint64_t> last;  // absent: to the end
};

std::optional<Spec> parse_spec(std::string_view s) {
    const auto dash = s.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    const std::string_view a = s.substr(0, dash);
    const std::string_view b = s.substr(dash + 1);
    Spec spec;
    if (a.empty()) { // suffix-range = "-" suffix-length
        spec.last = parse_digits(b);
        if (!spec.last) return std::nullopt;
        return spec;
    }
    spec.first = parse_digits(a);
    if (!spec.first) return std::nullopt;
    if (!b.empty()) {
        spec.last = parse_digits(b);
        // 14.1.1: an int-range whose last-pos is below its first-pos is invalid.
        if (!spec.last || *spec.last < *spec.first) return std::nullopt;
    }
    return spec;
}

// 14.1.1: a range is satisfiable when it overlaps [0, size); suffix lengths of 0 are not.
std::optional<ByteRange> resolve(const Spec& spec, std::uint64_t size) {
    if (size == 0) return std::nullopt;
    ByteRange r;
    r.kind = ByteRange::Kind::partial;
    if (!spec.first) {
        const std::uint64_t n = *spec.last;
        if (n == 0) return std::nullopt;
        r.first = n >= size ? 0 : size - n;
        r.last = size - 1;
        return r;
    }
    if (*spec.first >= size) return std::nullopt;
    r.first = *spec.first;
    r.last = spec.last && *spec.last < size ? *spec.last : size - 1;
    return r;
}

} // namespace

ByteRange parse_range(std::string_view header, std::uint64_t size) {
    header = trim(header);
    const auto eq = header.find('=');
    if (eq == std::string_view::npos || !iequals(trim(header.substr(0, eq)), "bytes")) return {};

    std::vector<Spec> specs;
    std::string_view set = header.substr(eq + 1);
    while (true) {
        const auto comma = set.find(',');
        const std::string_view item = trim(set.substr(0, comma));
        if (!item.empty()) { // 1#element allows empty list elements (RFC 9110 5.6.1)
            auto spec = parse_spec(item);
            if (!spec) return {};
            specs.push_back(*spec);
        }
        if (comma == std::string_view::npos) break;
        set.remove_prefix(comma + 1);
    }
    if (specs.empty()) return {};

    bool any_satisfiable = false;
    std::optional<ByteRange> only;
    for (const Spec& spec : specs) {
        auto r = resolve(spec, size);
        if (r) {
            any_satisfiable = true;
            only = r;
        }
    }
    if (!any_satisfiable) return ByteRange{ByteRange::Kind::unsatisfiable, 0, 0};
    if (specs.size() > 1) return {}; // no multipart/byteranges: the whole file instead
    return *only;
}

} // namespace tafel::player::detail
