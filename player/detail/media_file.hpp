#pragma once
// Serves one file of a published recording: conditional requests (RFC 9110 13: ETag,
// Last-Modified, If-None-Match, If-Modified-Since, If-Range) and single byte ranges
// (RFC 9110 14). The file is opened here so that the size, validators and body all come
// from the same inode even if the recording is republished meanwhile.
#include "player/detail/reply.hpp"

#include <filesystem>
#include <string>

namespace tafel::player::detail {

// `path` must already be known to lie inside the recording's folder. A missing file, a
// symlink or anything but a regular file answers 404.
Reply serve_file(const Request& request, const std::filesystem::path& path,
                 const std::string& content_type);

// The file `name` (a plain name) inside the folder `dir`, neither of them followed if it is a
// symlink; otherwise as serve_file.
Reply serve_file_in(const Request& request, const std::filesystem::path& dir, const std::string& name,
                    const std::string& content_type);

// The body of serve_file for a file already opened (`fd` may be invalid: 404 naming `name`).
Reply serve_open_file(const Request& request, UniqueFd fd, const std::string& name, const std::string& content_type);

// True when an If-None-Match value matches `etag` by weak comparison (RFC 9110 8.8.3.2).
bool etag_list_matches(std::string_view if_none_match, std::string_view etag);

} // namespace tafel::player::detail
