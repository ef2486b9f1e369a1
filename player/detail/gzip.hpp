#pragma once
// gzip content coding for text replies (RFC 9110 8.4.1.3, RFC 1952): pages, scripts,
// styles and JSON shrink to a fraction, which matters on a pupil's phone connection.
#include <optional>
#include <string>
#include <string_view>

namespace tafel::player::detail {

struct Reply;
struct Request;

// The gzip member of `data` (zlib, level 6); std::nullopt if zlib fails.
std::optional<std::string> gzip_compress(std::string_view data);

// True when Accept-Encoding lists gzip (or *) with a q-value above 0 (RFC 9110 12.5.3).
bool accepts_gzip(std::string_view accept_encoding);

// Compresses a 200 reply's in-memory text body in place when the client accepts gzip and
// it pays (≥ 256 bytes): sets Content-Encoding and Vary, and gives the ETag a "-gzip"
// suffix (the coded representation is a different one, RFC 9110 8.8.3). HEAD gets the
// headers GET would get. Files and binary types stay as they are.
void maybe_gzip(const Request& request, Reply& reply);

// The ETag of the gzip-coded variant of `etag` ("\"abc\"" → "\"abc-gzip\"").
std::string gzip_etag(std::string_view etag);

} // namespace tafel::player::detail
