#pragma once
// The web assets of player/web/, embedded into the binary at build time
// (player/embed_assets.cmake generates the table).
#include <span>
#include <string>
#include <string_view>

namespace tafel::player::detail {

struct Asset {
    std::string_view name;  // "player.js"
    std::string_view bytes;
};

// Defined in the generated player_assets.cpp.
std::span<const Asset> embedded_assets();

const Asset* find_asset(std::string_view name);
std::string asset_type(std::string_view name);
// A strong validator from the content (FNV-1a 64), stable across builds of the same bytes.
std::string asset_etag(const Asset& asset);

} // namespace tafel::player::detail
