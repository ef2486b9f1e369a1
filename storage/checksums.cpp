#include "storage/checksums.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <array>
#include <fstream>
#include <map>
#include <memory>
#include <system_error>

namespace tafel::storage {

namespace fs = std::filesystem;

namespace {

constexpr const char* k_manifest = "manifest.json";

struct MdCtxFree {
    void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};

// Every regular file under `dir` but the manifest, by path relative to `dir` ('/'-separated).
Result<std::map<std::string, fs::path>> files_of(const fs::path& dir) {
    std::map<std::string, fs::path> files;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        if (!it->is_regular_file()) continue;
        const std::string rel = it->path().lexically_relative(dir).generic_string();
        if (rel != k_manifest) files[rel] = it->path();
    }
    if (ec) return fail(Errc::io, fmt::format("list {}: {}", dir.string(), ec.message()));
    return files;
}

Result<nlohmann::json> read_manifest_file(const fs::path& file) {
    std::ifstream in(file);
    if (!in) return fail(Errc::not_found, fmt::format("{} cannot be opened", file.string()));
    auto doc = nlohmann::json::parse(in, nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
        return fail(Errc::malformed_input, fmt::format("{} is not a JSON object", file.string()));
    return doc;
}

Result<nlohmann::json> read_manifest(const fs::path& dir) { return read_manifest_file(dir / k_manifest); }

// A playlist is closed once it says so (RFC 8216 §4.3.3.4); unreadable counts as open.
bool playlist_closed(const fs::path& file) {
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);)
        if (line.starts_with("#EXT-X-ENDLIST")) return true;
    return false;
}

} // namespace

Result<std::string> sha256_file(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return fail(Errc::io, fmt::format("{} cannot be opened", file.string()));
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
        return fail(Errc::internal, "SHA-256: EVP_DigestInit_ex failed");
    std::array<char, 1 << 16> buffer{};
    while (in) {
        in.read(buffer.data(), buffer.size());
        if (in.gcount() > 0 && EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<std::size_t>(in.gcount())) != 1)
            return fail(Errc::internal, "SHA-256: EVP_DigestUpdate failed");
    }
    if (in.bad()) return fail(Errc::io, fmt::format("read {}", file.string()));
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(ctx.get(), digest.data(), &length) != 1)
        return fail(Errc::internal, "SHA-256: EVP_DigestFinal_ex failed");
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
    return hex;
}

Result<void> add_checksums(const fs::path& dir) { return add_checksums(dir, dir / k_manifest); }

Result<void> add_checksums(const fs::path& dir, const fs::path& manifest_file) {
    std::error_code ec;
    if (!fs::exists(manifest_file, ec)) return {};
    auto manifest = read_manifest_file(manifest_file);
    if (!manifest) return std::unexpected(manifest.error());
    auto files = files_of(dir);
    if (!files) return std::unexpected(files.error());
    auto sums = nlohmann::json::object();
    for (const auto& [rel, path] : *files) {
        auto sum = sha256_file(path);
        if (!sum) return std::unexpected(sum.error());
        sums[rel] = *sum;
    }
    (*manifest)["checksums"] = sums;
    if (auto listed = manifest->find("files"); listed != manifest->end() && listed->is_array()) {
        for (auto& entry : *listed) {
            if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string()) continue;
            if (auto it = sums.find(entry["name"].get<std::string>()); it != sums.end()) entry["sha256"] = *it;
        }
    }
    const fs::path temp = dir / "manifest.json.tmp";
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out << manifest->dump(2) << '\n';
        out.flush();
        if (!out) return fail(Errc::io, fmt::format("write {}", temp.string()));
    }
    fs::rename(temp, dir / k_manifest, ec);
    if (ec) return fail(Errc::io, fmt::format("rename {}: {}", temp.string(), ec.message()));
    return {};
}

std::string to_string(IntegrityProblem::Kind kind) {
    switch (kind) {
    case IntegrityProblem::Kind::missing: return "missing";
    case IntegrityProblem::Kind::altered: return "altered";
    case IntegrityProblem::Kind::unlisted: return "unlisted";
    case IntegrityProblem::Kind::no_checksums: return "no checksums";
    }
    return "?";
}

Result<std::vector<IntegrityProblem>> verify_checksums(const fs::path& dir) {
    auto manifest = read_manifest(dir);
    if (!manifest) return std::unexpected(manifest.error());
    std::vector<IntegrityProblem> problems;
    const auto sums = manifest->find("checksums");
    if (sums == manifest->end() || !sums->is_object()) {
        problems.push_back({IntegrityProblem::Kind::no_checksums, k_manifest});
        return problems;
    }
    auto files = files_of(dir);
    if (!files) return std::unexpected(files.error());
    // A preview still streaming (issue 6): its playlist grows and new segments join its
    // folder after the manifest was written; until the playlist is closed (#EXT-X-ENDLIST,
    // RFC 8216 §4.3.3.4) that is the writer at work, not tampering. Segments already listed
    // are still checked: they never change once written.
    const fs::path playlist = manifest->value("audio_stream", std::string{});
    const bool growing = !playlist.empty() && files->contains(playlist.generic_string()) &&
                         !playlist_closed(files->at(playlist.generic_string()));
    const std::string growing_dir = growing ? playlist.parent_path().generic_string() + "/" : std::string{};
    const auto still_written = [&](const std::string& rel) { return growing && rel.starts_with(growing_dir); };
    for (const auto& [rel, expected] : sums->items()) {
        // A listed name must stay inside the folder (a forged manifest must not make verify
        // read elsewhere).
        const auto found = files->find(rel);
        if (found == files->end()) {
            problems.push_back({IntegrityProblem::Kind::missing, rel});
            continue;
        }
        if (still_written(rel) && rel == playlist.generic_string()) continue;
        auto sum = sha256_file(found->second);
        if (!sum || !expected.is_string() || *sum != expected.get<std::string>())
            problems.push_back({IntegrityProblem::Kind::altered, rel});
    }
    for (const auto& [rel, path] : *files)
        if (!sums->contains(rel) && !still_written(rel)) problems.push_back({IntegrityProblem::Kind::unlisted, rel});
    return problems;
}

} // namespace tafel::storage
