#include "core/ids.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <random>

namespace tafel {

std::string random_hex_id(std::size_t bytes) {
    std::random_device device;
    std::string out;
    out.reserve(bytes * 2);
    for (std::size_t i = 0; i < bytes; ++i) out += fmt::format("{:02x}", device() & 0xffu);
    return out;
}

std::string recording_id(std::string_view meeting_id, std::int64_t start_utc_ms) {
    // FNV-1a over the meeting id, widened to 160 bits by five rounds with distinct seeds:
    // an identifier, not a security property (tokens are signed with HMAC elsewhere).
    std::string hex;
    for (std::uint64_t round = 0; round < 5; ++round) {
        std::uint64_t h = 1469598103934665603ull ^ (round * 0x9e3779b97f4a7c15ull);
        for (unsigned char c : meeting_id) {
            h ^= c;
            h *= 1099511628211ull;
        }
        hex += fmt::format("{:08x}", static_cast<std::uint32_t>(h ^ (h >> 32)));
    }
    return fmt::format("{}-{}", hex, start_utc_ms);
}

bool is_safe_id(std::string_view id) noexcept {
    if (id.empty() || id.size() > 128) return false;
    for (char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        c == '-' || c == '_';
        if (!ok) return false;
    }
    return true;
}

} // namespace tafel
