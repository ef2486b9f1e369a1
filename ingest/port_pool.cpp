#include "ingest/port_pool.hpp"

#include <fmt/format.h>

#include <vector>

namespace tafel::ingest {

Result<std::uint16_t> PortPool::allocate(const std::function<bool(std::uint16_t)>& try_bind) {
    // Candidates: even ports from the cursor round the range, then odd ones.
    std::vector<std::uint16_t> order;
    const std::uint32_t span = std::uint32_t{max_} - min_ + 1;
    for (int parity : {0, 1}) {
        for (std::uint32_t i = 0; i < span; ++i) {
            const std::uint32_t p = min_ + (next_ - min_ + i) % span;
            if (p % 2 == static_cast<std::uint32_t>(parity)) order.push_back(static_cast<std::uint16_t>(p));
        }
    }
    for (std::uint16_t port : order) {
        if (port == 0 || taken_.contains(port)) continue;
        if (try_bind(port)) {
            taken_.insert(port);
            next_ = port + 1u > max_ ? min_ : port + 1u;
            return port;
        }
    }
    return fail(Errc::no_space, fmt::format("no free UDP port in {}-{}", min_, max_));
}

} // namespace tafel::ingest
