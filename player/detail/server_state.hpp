#pragma once
// What every connection of one server shares, kept alive by the connections themselves.
#include "player/detail/connection_registry.hpp"
#include "player/detail/router.hpp"

namespace tafel::player::detail {

struct ServerState {
    ServerState(storage::Catalog& catalog, const storage::Layout& layout, std::size_t max_connections)
        : router(catalog, layout), connections(max_connections) {}

    Router router;
    ConnectionRegistry connections;
};

} // namespace tafel::player::detail
