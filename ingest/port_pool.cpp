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

Result<std::uint16_t> PortPool::allocate_pair(const std::function<bool(std::uint16_t)>& try_bind) {
    // Even ports P with P + 1 inside the range, from the cursor round the range.
    const std::uint32_t first = min_ + (min_ % 2);
    const std::uint32_t pairs = max_ > first ? (std::uint32_t{max_} - 1 - first) / 2 + 1 : 0;
    const std::uint32_t start = next_ > first ? (next_ - first + 1) / 2 : 0;
    for (std::uint32_t k = 0; k < pairs; ++k) {
        const std::uint32_t p = first + 2 * ((start + k) % pairs);
        const auto rtp = static_cast<std::uint16_t>(p), rtcp = static_cast<std::uint16_t>(p + 1);
        if (rtp == 0 || taken_.contains(rtp) || taken_.contains(rtcp)) continue;
        if (try_bind(rtp)) {
            taken_.insert(rtp);
            taken_.insert(rtcp);
            next_ = p + 2u > max_ ? min_ : p + 2u;
            return rtp;
        }
    }
    return fail(Errc::no_space, fmt::format("no free pair of UDP ports (RTP even, RTCP + 1) in {}-{}", min_, max_));
}

} // namespace tafel::ingest
