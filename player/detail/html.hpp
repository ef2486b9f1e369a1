#pragma once
// Escaping and formatting for the server-rendered pages. Everything that comes from a
// recording (titles, contexts, names) passes through escape() before it reaches HTML.
#include <cstdint>
#include <string>
#include <string_view>

namespace tafel::player::detail {

// Text and attribute values (quoted with "): & < > " ' become character references.
std::string escape(std::string_view text);

// "4:05" or "1:02:03" (h:mm:ss) from milliseconds; negative counts as 0.
std::string format_duration(std::int64_t duration_ms);

// "14.11.2023, 22:13 UTC" — the German numeric form; the page's script shows local time.
std::string format_date_de(std::int64_t utc_us);

// "2023-11-14T22:13:20Z" for <time datetime="…">.
std::string format_iso8601(std::int64_t utc_us);

} // namespace tafel::player::detail
