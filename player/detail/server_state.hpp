#pragma once
// What every connection of one server shares, kept alive by the connections themselves.
#include "player/detail/connection_registry.hpp"
#include "player/detail/router.hpp"

#include <chrono>

namespace tafel::player::detail {

struct ServerState {
    ServerState(storage::Catalog& catalog, const storage::Layout& layout, AccessOptions access,
                std::size_t max_connections, std::chrono::milliseconds idle)
        : router(catalog, layout, std::move(access)), connections(max_connections), idle_timeout(idle) {}

    Router router;
    ConnectionRegistry connections;
    const std::chrono::milliseconds idle_timeout;
};

} // namespace tafel::player::detail
