#include "ingest/mjr_reader.hpp"

#include "ingest/byte_order.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>

namespace tafel::ingest {

namespace {

constexpr char k_v2_magic[] = "MJR00002";
constexpr char k_v1_magic[] = "MEETECHO";
constexpr char k_v2_frame[] = "MEET";
constexpr std::size_t k_magic = 8;

std::size_t read_some(std::istream& in, std::uint8_t* out, std::size_t n) {
    in.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(n));
    return static_cast<std::size_t>(in.gcount());
}

} // namespace

bool MjrReader::looks_like_mjr(const std::uint8_t* head, std::size_t size) {
    return size >= k_magic && (std::memcmp(head, k_v2_magic, k_magic) == 0 || std::memcmp(head, k_v1_magic, k_magic) == 0);
}

Result<MjrReader> MjrReader::open(const std::filesystem::path& path) {
    auto in = std::make_unique<std::ifstream>(path, std::ios::binary);
    if (!*in) return fail(Errc::not_found, fmt::format("{}: cannot open", path.string()));
    return read(std::move(in), path.string());
}

Result<MjrReader> MjrReader::read(std::unique_ptr<std::istream> in, std::string name) {
    std::uint8_t head[k_magic + 2];
    if (read_some(*in, head, sizeof head) < sizeof head || !looks_like_mjr(head, k_magic)) {
        return fail(Errc::malformed_input, fmt::format("{}: not a Janus recording (no MJR00002/MEETECHO header)", name));
    }
    const std::size_t length = be::load16(head + k_magic);
    std::string text(length, '\0');
    if (read_some(*in, reinterpret_cast<std::uint8_t*>(text.data()), length) < length) {
        return fail(Errc::malformed_input, fmt::format("{}: header of {} bytes cut short", name, length));
    }
    MjrInfo info;
    if (std::memcmp(head, k_v1_magic, k_magic) == 0) {
        // v1: the header names the media only (janus-pp-rec: "audio" or "video").
        info.version = 1;
        if (text == "audio") {
            info.kind = MediaKind::audio;
            info.codec = "opus";
        } else if (text == "video") {
            info.kind = MediaKind::video;
            info.codec = "vp8"; // the only video codec Janus recorded before v2
        } else {
            return fail(Errc::malformed_input, fmt::format("{}: v1 header names \"{}\" (not audio or video)", name, text));
        }
    } else {
        auto j = nlohmann::json::parse(text, nullptr, false);
        if (j.is_discarded() || !j.is_object()) {
            return fail(Errc::malformed_input, fmt::format("{}: header is not a JSON object", name));
        }
        const auto str = [&](const char* key) {
            auto it = j.find(key);
            return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
        };
        const auto num = [&](const char* key) {
            auto it = j.find(key);
            return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : std::int64_t{0};
        };
        const std::string type = str("t");
        if (type == "d") return fail(Errc::unsupported, fmt::format("{}: a data-channel recording (no media)", name));
        if (type != "a" && type != "v") {
            return fail(Errc::malformed_input, fmt::format("{}: header field \"t\" is \"{}\" (not a, v or d)", name, type));
        }
        info.kind = type == "a" ? MediaKind::audio : MediaKind::video;
        info.codec = str("c");
        if (info.codec.empty()) return fail(Errc::malformed_input, fmt::format("{}: header has no codec (\"c\")", name));
        info.fmtp = str("f");
        info.created_us = num("s");
        info.first_frame_us = num("u");
    }
    return MjrReader(std::move(in), std::move(name), std::move(info), sizeof head + length);
}

Result<std::optional<MjrPacket>> MjrReader::next() {
    const bool v1 = info_.version == 1;
    const std::size_t header = v1 ? k_magic + 2 : 4 + 4 + 2;
    std::uint8_t h[k_magic + 2];
    const std::size_t got = read_some(*in_, h, header);
    if (got == 0) return std::optional<MjrPacket>{};
    if (got < header) {
        truncated_tail_ = true;
        return std::optional<MjrPacket>{};
    }
    // Janus writes "----" over nothing; some tools end a file with it: the end.
    if (std::memcmp(h, "----", 4) == 0) return std::optional<MjrPacket>{};
    if (std::memcmp(h, v1 ? k_v1_magic : k_v2_frame, v1 ? k_magic : 4) != 0) {
        return fail(Errc::malformed_input, fmt::format("{}: no frame marker at offset {}", name_, offset_));
    }
    MjrPacket p;
    std::size_t length = 0;
    if (v1) {
        length = be::load16(h + k_magic);
    } else {
        p.offset_ms = be::load32(h + 4);
        length = be::load16(h + 8);
    }
    p.data.resize(length);
    if (read_some(*in_, p.data.data(), length) < length) {
        truncated_tail_ = true;
        return std::optional<MjrPacket>{};
    }
    offset_ += header + length;
    return std::optional<MjrPacket>(std::move(p));
}

} // namespace tafel::ingest
