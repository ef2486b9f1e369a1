#pragma once
// Hands out UDP ports of the configured range to streams: even ports first (RFC 3550 11
// recommends even RTP ports), skipping ports in use here or by another process.
#include "core/error.hpp"

#include <cstdint>
#include <functional>
#include <set>

namespace tafel::ingest {

class PortPool {
public:
    PortPool(std::uint16_t min, std::uint16_t max) : min_(min), max_(max), next_(min) {}

    // Calls `try_bind` with free candidate ports until it returns true; that port is then
    // taken. Errc::no_space when every port of the range is taken or busy.
    Result<std::uint16_t> allocate(const std::function<bool(std::uint16_t)>& try_bind);
    // A pair for a stream without rtcp-mux: an even RTP port P and P + 1 for RTCP (RFC 3550
    // 11); `try_bind(P)` binds both. Both ports are taken; release each.
    Result<std::uint16_t> allocate_pair(const std::function<bool(std::uint16_t)>& try_bind);
    void release(std::uint16_t port) { taken_.erase(port); }

private:
    std::uint16_t min_;
    std::uint16_t max_;
    std::uint32_t next_;
    std::set<std::uint16_t> taken_;
};

} // namespace tafel::ingest
