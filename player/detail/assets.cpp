#include "player/detail/assets.hpp"

#include <fmt/format.h>

#include <cstdint>

namespace tafel::player::detail {

const Asset* find_asset(std::string_view name) {
    for (const Asset& asset : embedded_assets())
        if (asset.name == name) return &asset;
    return nullptr;
}

std::string asset_type(std::string_view name) {
    if (name.ends_with(".css")) return "text/css; charset=utf-8";
    if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
    if (name.ends_with(".svg")) return "image/svg+xml";
    if (name.ends_with(".png")) return "image/png";
    if (name.ends_with(".ico")) return "image/x-icon";
    return "application/octet-stream";
}

std::string asset_etag(const Asset& asset) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : asset.bytes) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return fmt::format("\"{:016x}\"", h);
}

} // namespace tafel::player::detail
