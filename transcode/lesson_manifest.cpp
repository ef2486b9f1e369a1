#include "transcode/lesson_manifest.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace tafel::transcode {

namespace {

nlohmann::json rect_json(const Rect& r) { return {{"x", r.x}, {"y", r.y}, {"w", r.w}, {"h", r.h}}; }

Result<void> write_text(const std::filesystem::path& file, const std::string& text) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    if (!out) return fail(Errc::io, fmt::format("open {}: {}", file.string(), std::strerror(errno)));
    out << text << '\n';
    out.flush();
    if (!out) {
        const int err = errno;
        return fail(err == ENOSPC ? Errc::no_space : Errc::io,
                    fmt::format("write {}: {}", file.string(), std::strerror(err)));
    }
    return {};
}

} // namespace

std::string mime_for(const std::filesystem::path& file) {
    const auto ext = file.extension().string();
    if (ext == ".webm") return "video/webm";
    if (ext == ".mp4") return "video/mp4";
    if (ext == ".m4a") return "audio/mp4";
    if (ext == ".m3u8") return "application/vnd.apple.mpegurl"; // RFC 8216 §4
    if (ext == ".m4s") return "video/iso.segment";              // fMP4 media segment (IANA)
    if (ext == ".json") return "application/json";
    if (ext == ".vtt") return "text/vtt";
    if (ext == ".txt") return "text/plain; charset=utf-8";
    if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
    if (ext == ".png") return "image/png";
    return "application/octet-stream";
}

Result<void> write_chat_json(const std::filesystem::path& file, std::span<const ChatLine> lines) {
    auto array = nlohmann::json::array();
    for (const auto& l : lines) array.push_back({{"t_ms", l.t_ms}, {"name", l.name}, {"text", l.text}});
    // Replace invalid UTF-8 instead of throwing: chat text comes from outside.
    return write_text(file, array.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Result<void> write_manifest_json(const std::filesystem::path& file, const LessonManifest& m) {
    auto files = nlohmann::json::array();
    for (const auto& f : m.files) files.push_back({{"name", f.name}, {"mime", f.mime}, {"bytes", f.bytes}});
    nlohmann::json j = {
        {"id", m.id},
        {"title", m.title},
        {"context", m.context},
        {"duration_ms", m.duration_ms},
        {"started_utc_us", m.started_utc_us},
        {"files", files},
        {"parts", m.parts},
    };
    if (!m.audio_stream.empty()) j["audio_stream"] = m.audio_stream;
    if (std::find(m.parts.begin(), m.parts.end(), "video") != m.parts.end()) {
        j["layout"] = {{"preset", to_string(m.layout.preset)},
                       {"width", m.layout.width},
                       {"height", m.layout.height},
                       {"slide", rect_json(m.layout.slide)},
                       {"webcam", rect_json(m.layout.webcam)},
                       {"chat", rect_json(m.layout.chat)}};
    }
    return write_text(file, j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
}

} // namespace tafel::transcode
