#include "player/detail/http_date.hpp"

#include <fmt/format.h>

#include <array>

namespace tafel::player::detail {

namespace {

constexpr std::array<const char*, 7> k_days{"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
constexpr std::array<const char*, 12> k_months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}

std::optional<int> number(std::string_view s) {
    if (s.empty()) return std::nullopt;
    int v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    return v;
}

} // namespace

// Howard Hinnant's days_from_civil / civil_from_days ("chrono-Compatible Low-Level Date
// Algorithms"), exact for every int64 day count we will meet.
CivilDate civil_from_days(std::int64_t z) noexcept {
    z += 719468;
    const std::int64_t era = floor_div(z, 146097);
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return CivilDate{static_cast<int>(y + (m <= 2)), m, d};
}

std::int64_t days_from_civil(CivilDate date) noexcept {
    const std::int64_t y = date.year - (date.month <= 2);
    const std::int64_t era = floor_div(y, 400);
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned mp = date.month > 2 ? date.month - 3 : date.month + 9;
    const unsigned doy = (153 * mp + 2) / 5 + date.day - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::string format_http_date(std::int64_t unix_seconds) {
    const std::int64_t days = floor_div(unix_seconds, 86400);
    const std::int64_t secs = unix_seconds - days * 86400;
    const CivilDate d = civil_from_days(days);
    const auto weekday = static_cast<std::size_t>(((days % 7) + 7) % 7); // 1970-01-01: Thu
    return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT", k_days[weekday], d.day,
                       k_months[d.month - 1], d.year, secs / 3600, secs / 60 % 60, secs % 60);
}

std::optional<std::int64_t> parse_http_date(std::string_view s) {
    // "Sun, 06 Nov 1994 08:49:37 GMT": fixed length 29.
    if (s.size() != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
        s[16] != ' ' || s[19] != ':' || s[22] != ':' || s[25] != ' ' || s.substr(26) != "GMT")
        return std::nullopt;
    const auto day = number(s.substr(5, 2));
    const auto year = number(s.substr(12, 4));
    const auto hh = number(s.substr(17, 2));
    const auto mm = number(s.substr(20, 2));
    const auto ss = number(s.substr(23, 2));
    unsigned month = 0;
    for (unsigned i = 0; i < k_months.size(); ++i)
        if (s.substr(8, 3) == k_months[i]) month = i + 1;
    if (!day || !year || !hh || !mm || !ss || month == 0 || *day < 1 || *day > 31 || *hh > 23 ||
        *mm > 59 || *ss > 60)
        return std::nullopt;
    const std::int64_t days =
        days_from_civil(CivilDate{*year, month, static_cast<unsigned>(*day)});
    return days * 86400 + *hh * 3600 + *mm * 60 + *ss;
}

} // namespace tafel::player::detail
