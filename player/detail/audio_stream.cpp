#include "player/detail/audio_stream.hpp"

namespace tafel::player::detail {

bool is_stream_file_name(std::string_view name) noexcept {
    if (name == k_stream_playlist || name == "init.mp4") return true;
    constexpr std::string_view prefix = "seg-";
    constexpr std::string_view suffix = ".m4s";
    if (!name.starts_with(prefix) || !name.ends_with(suffix)) return false;
    const auto digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    if (digits.size() < 5 || digits.size() > 9) return false;
    for (char c : digits)
        if (c < '0' || c > '9') return false;
    return true;
}

std::string stream_media_type(std::string_view name) {
    return name == k_stream_playlist ? "application/vnd.apple.mpegurl" : "audio/mp4";
}

} // namespace tafel::player::detail
