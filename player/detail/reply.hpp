#pragma once
// The player's own view of one HTTP exchange, free of Beast: routes turn a Request into a
// Reply, and only http_session.cpp translates between these and Beast messages. This keeps
// every route unit-testable without a socket.
#include "core/unique_fd.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tafel::player::detail {

struct Request {
    std::string method;   // "GET", "HEAD", …
    std::string target;   // as sent: "/r/<id>/media/lesson.mp4?x=1"
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;     // at most the session's body limit (16 KiB)

    // The first header of that name (case-insensitive, RFC 9110 5.1), or empty.
    std::string_view header(std::string_view name) const;
};

// A part of an open file sent as the body: `length` bytes from `offset`.
struct FileSlice {
    UniqueFd fd;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
};

struct Reply {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;                // used when `file` is empty
    std::optional<FileSlice> file;   // the body comes from a file
    bool head_only = false;          // HEAD: headers (with the body's length) but no body

    std::uint64_t body_size() const { return file ? file->length : body.size(); }
    void set(std::string name, std::string value);
    std::string_view header(std::string_view name) const;
};

// A short plain-text reply naming what was wrong ("no recording 'abc'").
Reply text_reply(int status, std::string text);
// Pages (private, no-cache), JSON (private, no-cache) and BBB's XML (no-store, with the XML
// declaration).
Reply html_reply(std::string html);
Reply json_reply(int status, std::string json);
Reply xml_reply(std::string xml);

bool iequals(std::string_view a, std::string_view b) noexcept;

} // namespace tafel::player::detail
