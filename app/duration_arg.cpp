#include "app/duration_arg.hpp"

#include <fmt/format.h>

#include <cctype>

namespace tafel::app {

Result<std::int64_t> parse_duration_ms(std::string_view text) {
    auto bad = [&] {
        return fail(Errc::invalid_argument,
                    fmt::format("'{}' is not a duration (examples: 20s, 2m, 1h30m, 1500ms)", text));
    };
    if (text.empty()) return bad();
    std::int64_t total = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        std::int64_t number = 0;
        std::size_t digits = 0;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
            number = number * 10 + (text[i] - '0');
            if (number > 100'000'000) return bad();
            ++i;
            ++digits;
        }
        if (digits == 0) return bad();
        std::string_view unit;
        const std::size_t unit_start = i;
        while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
        unit = text.substr(unit_start, i - unit_start);
        if (unit == "ms") total += number;
        else if (unit == "s" || unit.empty()) total += number * 1000;
        else if (unit == "m" || unit == "min") total += number * 60'000;
        else if (unit == "h") total += number * 3'600'000;
        else return bad();
        if (unit.empty() && i < text.size()) return bad();
    }
    if (total <= 0) return bad();
    return total;
}

} // namespace tafel::app
