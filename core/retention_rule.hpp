#pragma once
// How long a recording is kept (issue 9, retention): a rule per context, from the config
// (`retention_default`, `retention_contexts`). Here so that Config can reject a typo at
// start-up; storage/retention.hpp applies the rules.
#include "core/error.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace tafel {

// "30d": 30 days after the lesson started. "2027-07-31": the end of that UTC day.
// "07-31": the end of the next 31 July (UTC) after the lesson started — the end of the
// school year, whatever year the lesson was in.
struct RetentionRule {
    enum class Kind { days, date, yearly };
    Kind kind = Kind::days;
    int days = 365;
    int year = 0;    // date
    int month = 0;   // date, yearly
    int day = 0;     // date, yearly

    static Result<RetentionRule> parse(std::string_view text);
    // The delete-after time of a lesson that started at `started_utc_us`.
    std::int64_t delete_after(std::int64_t started_utc_us) const;
    std::string describe() const;
};

// "klasse-7b=30d,abitur=2027-07-31" (spaces around items allowed; empty: none).
Result<std::map<std::string, RetentionRule>> parse_retention_contexts(std::string_view text);

} // namespace tafel
