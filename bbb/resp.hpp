#pragma once
// RESP2, the Redis wire protocol (https://redis.io/docs/reference/protocol-spec/): commands
// go out as arrays of bulk strings; replies and pub/sub pushes come back as typed values.
// The parser is incremental: feed it whatever the socket delivered, take whole values out.
#include "core/error.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tafel::bbb {

struct RespValue {
    enum class Kind { simple, error, integer, bulk, null, array };
    Kind kind = Kind::null;
    std::string text;             // simple / error / bulk
    std::int64_t integer = 0;     // integer
    std::vector<RespValue> items; // array
};

// `*N\r\n$len\r\narg\r\n…` — binary-safe, so a JSON payload goes out byte for byte.
std::string resp_command(const std::vector<std::string_view>& args);

class RespParser {
public:
    void feed(std::string_view bytes) { buffer_.append(bytes); }

    // The next whole value; nullopt when more bytes are needed; an error when the stream is
    // not RESP (the connection must then be dropped: there is no resynchronising).
    Result<std::optional<RespValue>> next();

private:
    // Parses one value at `pos`; nullopt = incomplete. Advances `pos` past it.
    Result<std::optional<RespValue>> parse_at(std::size_t& pos, int depth) const;

    std::string buffer_;
};

} // namespace tafel::bbb
