#include "player/detail/target.hpp"

namespace tafel::player::detail {

namespace {

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

} // namespace

Result<std::string> percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        if (i + 2 >= s.size()) {
            return fail(Errc::malformed_input, "truncated percent escape in path");
        }
        const int hi = hex_value(s[i + 1]);
        const int lo = hex_value(s[i + 2]);
        if (hi < 0 || lo < 0) return fail(Errc::malformed_input, "bad percent escape in path");
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

Result<Target> parse_target(std::string_view target) {
    // Only origin-form ("/path?query"); absolute-form and authority-form are for proxies.
    if (target.empty() || target.front() != '/')
        return fail(Errc::malformed_input, "request target must start with '/'");
    Target out;
    const auto q = target.find('?');
    std::string_view path = target.substr(0, q);
    if (q != std::string_view::npos) out.query = std::string(target.substr(q + 1));
    if (const auto hash = out.query.find('#'); hash != std::string::npos) out.query.resize(hash);
    if (path.find('#') != std::string_view::npos)
        return fail(Errc::malformed_input, "fragment in request target");

    path.remove_prefix(1);
    out.trailing_slash = !path.empty() && path.back() == '/';
    while (!path.empty()) {
        const auto slash = path.find('/');
        const std::string_view raw = path.substr(0, slash);
        path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
        if (raw.empty()) {
            if (path.empty()) break; // the trailing slash
            return fail(Errc::malformed_input, "empty segment in path");
        }
        auto decoded = percent_decode(raw);
        if (!decoded) return std::unexpected(decoded.error());
        const std::string& seg = *decoded;
        // Decoding happens once, here; a segment that decodes to a dot segment or carries a
        // separator would mean something else to the file system than to the router.
        if (seg == "." || seg == "..") return fail(Errc::malformed_input, "dot segment in path");
        for (char c : seg) {
            if (c == '/' || c == '\\') return fail(Errc::malformed_input, "encoded separator in path");
            if (c == '\0') return fail(Errc::malformed_input, "NUL in path");
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
                return fail(Errc::malformed_input, "control character in path");
        }
        out.segments.push_back(std::move(*decoded));
    }
    return out;
}

} // namespace tafel::player::detail
