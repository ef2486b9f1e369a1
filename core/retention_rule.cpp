#include "core/retention_rule.hpp"

#include <fmt/format.h>

#include <charconv>
#include <chrono>

namespace tafel {

namespace {

namespace chr = std::chrono;

constexpr std::int64_t k_us_per_day = 86'400'000'000;

bool parse_number(std::string_view text, int& out) {
    if (text.empty()) return false;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && ptr == text.data() + text.size();
}

std::unexpected<Error> bad(std::string_view text) {
    return fail(Errc::invalid_argument,
                fmt::format("retention rule \"{}\": use <days>d (\"30d\"), a date (\"2027-07-31\") or the yearly "
                            "end of a school year as month-day (\"07-31\")",
                            text));
}

// Microseconds at the end (the start of the next day) of a calendar day, UTC.
std::int64_t end_of_day_us(chr::year_month_day ymd) {
    const auto next = chr::sys_days(ymd) + chr::days(1);
    return static_cast<std::int64_t>(next.time_since_epoch().count()) * k_us_per_day;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
}

} // namespace

Result<RetentionRule> RetentionRule::parse(std::string_view text) {
    RetentionRule rule;
    if (text.size() >= 2 && text.back() == 'd') {
        if (!parse_number(text.substr(0, text.size() - 1), rule.days) || rule.days < 1 || rule.days > 36'500)
            return bad(text);
        rule.kind = Kind::days;
        return rule;
    }
    if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
        if (!parse_number(text.substr(0, 4), rule.year) || !parse_number(text.substr(5, 2), rule.month) ||
            !parse_number(text.substr(8, 2), rule.day))
            return bad(text);
        if (!chr::year_month_day(chr::year(rule.year), chr::month(rule.month), chr::day(rule.day)).ok())
            return bad(text);
        rule.kind = Kind::date;
        return rule;
    }
    if (text.size() == 5 && text[2] == '-') {
        if (!parse_number(text.substr(0, 2), rule.month) || !parse_number(text.substr(3, 2), rule.day)) return bad(text);
        // 29 February is refused: it would silently become 1 March in most years.
        if (!chr::month_day(chr::month(rule.month), chr::day(rule.day)).ok() || (rule.month == 2 && rule.day == 29))
            return bad(text);
        rule.kind = Kind::yearly;
        return rule;
    }
    return bad(text);
}

std::int64_t RetentionRule::delete_after(std::int64_t started_utc_us) const {
    switch (kind) {
    case Kind::days: return started_utc_us + days * k_us_per_day;
    case Kind::date:
        return end_of_day_us(chr::year_month_day(chr::year(year), chr::month(month), chr::day(day)));
    case Kind::yearly: {
        const auto started_day =
            chr::floor<chr::days>(chr::sys_time<chr::microseconds>(chr::microseconds(started_utc_us)));
        const chr::year_month_day started(started_day);
        // The first such day whose end is after the start: a lesson on 31 July itself is kept
        // until the end of that day, one on 1 August until the next year's.
        chr::year_month_day candidate(started.year(), chr::month(month), chr::day(day));
        if (end_of_day_us(candidate) <= started_utc_us)
            candidate = chr::year_month_day(started.year() + chr::years(1), chr::month(month), chr::day(day));
        return end_of_day_us(candidate);
    }
    }
    return started_utc_us;
}

std::string RetentionRule::describe() const {
    switch (kind) {
    case Kind::days: return fmt::format("{} days", days);
    case Kind::date: return fmt::format("until {:04}-{:02}-{:02}", year, month, day);
    case Kind::yearly: return fmt::format("until the next {:02}-{:02}", month, day);
    }
    return "?";
}

Result<std::map<std::string, RetentionRule>> parse_retention_contexts(std::string_view text) {
    std::map<std::string, RetentionRule> rules;
    while (!trim(text).empty()) {
        const auto comma = text.find(',');
        const std::string_view item = trim(text.substr(0, comma));
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        const auto eq = item.find('=');
        if (eq == std::string_view::npos || trim(item.substr(0, eq)).empty())
            return fail(Errc::invalid_argument,
                        fmt::format("retention_contexts item \"{}\": use <context>=<rule>, e.g. klasse-7b=30d", item));
        auto rule = RetentionRule::parse(trim(item.substr(eq + 1)));
        if (!rule) return std::unexpected(Error{rule.error().code, fmt::format("context \"{}\": {}", trim(item.substr(0, eq)), rule.error().message)});
        rules[std::string(trim(item.substr(0, eq)))] = *rule;
    }
    return rules;
}

} // namespace tafel
