#pragma once
// The logging facade: per-component tagged loggers over spdlog, and a rate limiter for
// per-packet warnings (STYLE.md "Config and logs").
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

namespace tafel::log {

// The logger for one component ("ingest", "transcode", "player", …); created on first use.
std::shared_ptr<spdlog::logger> get(std::string_view component);

// Sets the level of every logger: "trace" … "off". Unknown names leave it unchanged.
void set_level(std::string_view level);

// Lets one message through per interval and counts the rest, so a flood of malformed
// packets costs one line per interval: "…(412 more suppressed)".
class RateLimit {
public:
    explicit RateLimit(std::chrono::milliseconds interval = std::chrono::seconds(5))
        : interval_ns_(std::chrono::duration_cast<std::chrono::nanoseconds>(interval).count()) {}

    // True when the caller should log now; `suppressed` gets the count skipped since.
    bool allow(std::uint64_t& suppressed) noexcept;

private:
    std::int64_t interval_ns_;
    std::atomic<std::int64_t> next_ns_{0};
    std::atomic<std::uint64_t> suppressed_{0};
};

} // namespace tafel::log
