#include "bbb/resp.hpp"

#include <fmt/format.h>

#include <charconv>

namespace tafel::bbb {

namespace {

// Nested arrays deeper than this are not something Redis sends: refuse instead of recursing.
constexpr int max_depth = 8;
// A PUBLISH payload is a JSON message with an SDP inside: a few kB. 64 MiB is Redis's own
// proto-max-bulk-len default upper range; anything bigger is a broken stream.
constexpr std::int64_t max_bulk = 64 * 1024 * 1024;

Result<std::int64_t> parse_int(std::string_view s) {
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || end != s.data() + s.size())
        return fail(Errc::malformed_input, fmt::format("RESP: '{}' is not an integer", s));
    return value;
}

} // namespace

std::string resp_command(const std::vector<std::string_view>& args) {
    std::string out = fmt::format("*{}\r\n", args.size());
    for (const auto arg : args) {
        out += fmt::format("${}\r\n", arg.size());
        out.append(arg);
        out += "\r\n";
    }
    return out;
}

Result<std::optional<RespValue>> RespParser::next() {
    std::size_t pos = 0;
    auto value = parse_at(pos, 0);
    if (!value) return std::unexpected(value.error());
    if (*value) buffer_.erase(0, pos);
    return value;
}

Result<std::optional<RespValue>> RespParser::parse_at(std::size_t& pos, int depth) const {
    if (depth > max_depth) return fail(Errc::malformed_input, "RESP: arrays nested too deeply");
    const auto eol = buffer_.find("\r\n", pos);
    if (eol == std::string::npos) return std::optional<RespValue>{};
    const char type = buffer_[pos];
    const std::string_view line(buffer_.data() + pos + 1, eol - pos - 1);
    std::size_t cursor = eol + 2;
    RespValue value;
    switch (type) {
    case '+':
        value.kind = RespValue::Kind::simple;
        value.text = line;
        break;
    case '-':
        value.kind = RespValue::Kind::error;
        value.text = line;
        break;
    case ':': {
        auto n = parse_int(line);
        if (!n) return std::unexpected(n.error());
        value.kind = RespValue::Kind::integer;
        value.integer = *n;
        break;
    }
    case '$': {
        auto n = parse_int(line);
        if (!n) return std::unexpected(n.error());
        if (*n < 0) {
            value.kind = RespValue::Kind::null;
            break;
        }
        if (*n > max_bulk) return fail(Errc::malformed_input, fmt::format("RESP: bulk string of {} bytes", *n));
        const auto len = static_cast<std::size_t>(*n);
        if (buffer_.size() < cursor + len + 2) return std::optional<RespValue>{};
        if (buffer_.compare(cursor + len, 2, "\r\n") != 0)
            return fail(Errc::malformed_input, "RESP: bulk string not followed by CRLF");
        value.kind = RespValue::Kind::bulk;
        value.text.assign(buffer_, cursor, len);
        cursor += len + 2;
        break;
    }
    case '*': {
        auto n = parse_int(line);
        if (!n) return std::unexpected(n.error());
        if (*n < 0) {
            value.kind = RespValue::Kind::null;
            break;
        }
        value.kind = RespValue::Kind::array;
        for (std::int64_t i = 0; i < *n; ++i) {
            auto item = parse_at(cursor, depth + 1);
            if (!item) return std::unexpected(item.error());
            if (!*item) return std::optional<RespValue>{};
            value.items.push_back(std::move(**item));
        }
        break;
    }
    default:
        return fail(Errc::malformed_input, fmt::format("RESP: unknown type byte 0x{:02x}", static_cast<unsigned char>(type)));
    }
    pos = cursor;
    return std::optional<RespValue>{std::move(value)};
}

} // namespace tafel::bbb
