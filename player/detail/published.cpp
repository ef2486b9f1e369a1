#include "player/detail/published.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <fstream>
#include <utility>

namespace tafel::player::detail {

namespace {

constexpr std::array<std::string_view, 8> k_known{"manifest.json", "lesson.webm",  "lesson.mp4",
                                                  "chat.json",     "chapters.vtt", "captions.vtt",
                                                  "poster.jpg",    "thumbnails.vtt"};

constexpr std::array<std::pair<std::string_view, std::string_view>, 12> k_types{{
    {".mp4", "video/mp4"},
    {".webm", "video/webm"},
    {".json", "application/json"},
    {".vtt", "text/vtt; charset=utf-8"},
    {".txt", "text/plain; charset=utf-8"},
    {".m4a", "audio/mp4"},
    {".opus", "audio/ogg"},
    {".ogg", "audio/ogg"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".webp", "image/webp"},
    {".pdf", "application/pdf"},
}};

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

} // namespace

bool is_plain_file_name(std::string_view name) noexcept {
    if (name.empty() || name.size() > 128 || name.front() == '.') return false;
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        c == '-' || c == '_' || c == '.';
        if (!ok) return false;
    }
    return true;
}

bool is_servable(std::string_view name, const std::vector<ManifestFile>& listed) {
    if (!is_plain_file_name(name)) return false;
    for (auto known : k_known)
        if (name == known) return true;
    for (const auto& f : listed)
        if (f.name == name) return true;
    return false;
}

std::string media_type(std::string_view name, std::string_view manifest_mime) {
    for (const auto& [ext, type] : k_types)
        if (ends_with(name, ext)) return std::string(type);
    const auto slash = manifest_mime.find('/');
    const bool plausible = slash != std::string_view::npos && slash > 0 &&
                           slash + 1 < manifest_mime.size() &&
                           manifest_mime.find_first_of("\r\n") == std::string_view::npos;
    return plausible ? std::string(manifest_mime) : "application/octet-stream";
}

Result<Manifest> read_manifest(const std::filesystem::path& dir) {
    const auto path = dir / "manifest.json";
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(Errc::not_found, "no manifest: " + path.string());
    const auto j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object())
        return fail(Errc::malformed_input, path.string() + ": not a JSON object");

    Manifest m;
    auto text = [&](const char* key, std::string& out) -> Result<void> {
        if (!j.contains(key)) return {};
        if (!j[key].is_string())
            return fail(Errc::malformed_input, path.string() + ": '" + key + "' is not a string");
        out = j[key].get<std::string>();
        return {};
    };
    auto integer = [&](const char* key, std::int64_t& out) -> Result<void> {
        if (!j.contains(key)) return {};
        if (!j[key].is_number_integer())
            return fail(Errc::malformed_input, path.string() + ": '" + key + "' is not an integer");
        out = j[key].get<std::int64_t>();
        return {};
    };
    for (auto r :
         {text("id", m.id), text("title", m.title), text("context", m.context), text("audio_stream", m.audio_stream),
          integer("duration_ms", m.duration_ms), integer("started_utc_us", m.started_utc_us)})
        if (!r) return std::unexpected(r.error());

    if (j.contains("files")) {
        if (!j["files"].is_array())
            return fail(Errc::malformed_input, path.string() + ": 'files' is not an array");
        for (const auto& f : j["files"]) {
            if (!f.is_object() || !f.contains("name") || !f["name"].is_string()) continue;
            ManifestFile file;
            file.name = f["name"].get<std::string>();
            if (!is_plain_file_name(file.name)) continue;
            if (f.contains("mime") && f["mime"].is_string()) file.mime = f["mime"].get<std::string>();
            if (f.contains("bytes") && f["bytes"].is_number_unsigned())
                file.bytes = f["bytes"].get<std::uint64_t>();
            m.files.push_back(std::move(file));
        }
    }
    return m;
}

} // namespace tafel::player::detail
