#include "player/detail/html.hpp"

#include "player/detail/http_date.hpp"

#include "core/html_escape.hpp"

#include <fmt/format.h>

namespace tafel::player::detail {

namespace {

struct Split {
    CivilDate date;
    std::int64_t seconds_of_day = 0;
};

Split split_utc(std::int64_t utc_us) {
    std::int64_t secs = utc_us / 1'000'000;
    if (utc_us < 0 && utc_us % 1'000'000 != 0) --secs;
    std::int64_t days = secs / 86400;
    if (secs < 0 && secs % 86400 != 0) --days;
    return Split{civil_from_days(days), secs - days * 86400};
}

} // namespace

std::string escape(std::string_view text) { return tafel::html_escape(text); }

std::string format_duration(std::int64_t duration_ms) {
    const std::int64_t total = duration_ms > 0 ? duration_ms / 1000 : 0;
    const std::int64_t h = total / 3600;
    const std::int64_t m = total / 60 % 60;
    const std::int64_t s = total % 60;
    if (h > 0) return fmt::format("{}:{:02}:{:02}", h, m, s);
    return fmt::format("{}:{:02}", m, s);
}

std::string format_date_de(std::int64_t utc_us) {
    const Split t = split_utc(utc_us);
    return fmt::format("{:02}.{:02}.{:04}, {:02}:{:02} UTC", t.date.day, t.date.month,
                       t.date.year, t.seconds_of_day / 3600, t.seconds_of_day / 60 % 60);
}

std::string format_iso8601(std::int64_t utc_us) {
    const Split t = split_utc(utc_us);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", t.date.year, t.date.month,
                       t.date.day, t.seconds_of_day / 3600, t.seconds_of_day / 60 % 60,
                       t.seconds_of_day % 60);
}

} // namespace tafel::player::detail
