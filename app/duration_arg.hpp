#pragma once
// "90s", "2m", "1h30m", "1500ms" or plain seconds → milliseconds, for --duration flags.
#include "core/error.hpp"

#include <cstdint>
#include <string_view>

namespace tafel::app {

Result<std::int64_t> parse_duration_ms(std::string_view text);

} // namespace tafel::app
