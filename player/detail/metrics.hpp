#pragma once
// The player's Prometheus counters (text exposition format 0.0.4,
// prometheus.io/docs/instrumenting/exposition_formats): requests by status, bytes sent, open
// connections. Lock-free: every connection's strand counts, /metrics reads.
#include "storage/catalog.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <string>

namespace tafel::player::detail {

class Metrics {
public:
    void count_request(int status) noexcept;
    void count_bytes(std::uint64_t bytes) noexcept { bytes_sent_.fetch_add(bytes, std::memory_order_relaxed); }
    void connection_opened() noexcept { open_.fetch_add(1, std::memory_order_relaxed); }
    void connection_closed() noexcept { open_.fetch_sub(1, std::memory_order_relaxed); }

    // The exposition text; `recordings` counts the catalog's recordings by state.
    std::string render(const std::map<storage::RecordingState, std::uint64_t>& recordings) const;

private:
    // Statuses 100..599 each have a counter; anything else lands in slot 0.
    std::array<std::atomic<std::uint64_t>, 600> by_status_{};
    std::atomic<std::uint64_t> bytes_sent_{0};
    std::atomic<std::int64_t> open_{0};
};

} // namespace tafel::player::detail
