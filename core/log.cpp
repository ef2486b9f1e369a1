#include "core/log.hpp"

#include "core/time.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <mutex>
#include <string>

namespace tafel::log {

std::shared_ptr<spdlog::logger> get(std::string_view component) {
    // spdlog's registry is the process-wide owner of loggers; creating one is rare (once
    // per component), so the mutex only guards the get-or-create.
    static std::mutex mutex;
    std::lock_guard lock(mutex);
    std::string name(component);
    if (auto existing = spdlog::get(name)) return existing;
    auto logger = spdlog::stderr_color_mt(name);
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v");
    logger->set_level(spdlog::get_level());
    return logger;
}

void set_level(std::string_view level) {
    const auto parsed = spdlog::level::from_str(std::string(level));
    if (parsed == spdlog::level::off && level != "off") return;
    spdlog::set_level(parsed);
    spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) { l->set_level(parsed); });
}

bool RateLimit::allow(std::uint64_t& suppressed) noexcept {
    const std::int64_t now = arrival_now().ns;
    std::int64_t next = next_ns_.load(std::memory_order_relaxed);
    if (now >= next &&
        next_ns_.compare_exchange_strong(next, now + interval_ns_, std::memory_order_relaxed)) {
        suppressed = suppressed_.exchange(0, std::memory_order_relaxed);
        return true;
    }
    suppressed_.fetch_add(1, std::memory_order_relaxed);
    return false;
}

} // namespace tafel::log
