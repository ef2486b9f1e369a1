#pragma once
// HTTP-date in its preferred form, IMF-fixdate (RFC 9110 5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT".
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tafel::player::detail {

std::string format_http_date(std::int64_t unix_seconds);

// Only IMF-fixdate; the obsolete forms are rare enough that treating them as absent (which
// RFC 9110 13.1.3 permits for an invalid date) is the safe choice.
std::optional<std::int64_t> parse_http_date(std::string_view s);

// The proleptic Gregorian civil date of a day count since 1970-01-01 (and back), without
// the process's time zone or locale.
struct CivilDate {
    int year = 1970;
    unsigned month = 1; // 1..12
    unsigned day = 1;   // 1..31
};
CivilDate civil_from_days(std::int64_t days) noexcept;
std::int64_t days_from_civil(CivilDate d) noexcept;

} // namespace tafel::player::detail
