#include "bbb/sdp_envelope.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

namespace tafel::bbb {

std::string base64_encode(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3), '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

Result<std::string> base64_decode(std::string_view text) {
    std::string clean;
    clean.reserve(text.size());
    for (const char c : text)
        if (!std::isspace(static_cast<unsigned char>(c))) clean.push_back(c);
    if (clean.empty() || clean.size() % 4 != 0)
        return fail(Errc::malformed_input, fmt::format("base64: length {} is not a multiple of 4", clean.size()));
    std::string out(3 * clean.size() / 4, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
    if (n < 0) return fail(Errc::malformed_input, "base64: invalid character");
    // EVP_DecodeBlock counts the padding as zero bytes: take them off again.
    std::size_t len = static_cast<std::size_t>(n);
    if (clean.ends_with("==")) len -= 2;
    else if (clean.ends_with("=")) len -= 1;
    out.resize(len);
    return out;
}

std::string encode_sdp_envelope(const SessionDescription& description) {
    const nlohmann::json json{{"type", description.type}, {"sdp", description.sdp}};
    return base64_encode(json.dump());
}

Result<SessionDescription> decode_sdp_envelope(std::string_view text) {
    std::string_view trimmed = text;
    while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front()))) trimmed.remove_prefix(1);
    if (trimmed.starts_with("v=0")) return SessionDescription{"offer", std::string(trimmed)};
    std::string json_text;
    if (trimmed.starts_with("{")) {
        json_text = trimmed;
    } else {
        auto decoded = base64_decode(trimmed);
        if (!decoded) return fail(Errc::malformed_input, fmt::format("sdp: not base64 JSON ({})", decoded.error().message));
        json_text = std::move(*decoded);
    }
    const auto json = nlohmann::json::parse(json_text, nullptr, false, true);
    if (json.is_discarded() || !json.is_object()) return fail(Errc::malformed_input, "sdp: the envelope is not a JSON object");
    const auto sdp = json.find("sdp");
    if (sdp == json.end() || !sdp->is_string() || sdp->get_ref<const std::string&>().empty())
        return fail(Errc::malformed_input, "sdp: the envelope has no 'sdp' string");
    SessionDescription out;
    out.sdp = sdp->get<std::string>();
    const auto type = json.find("type");
    out.type = type != json.end() && type->is_string() ? type->get<std::string>() : "offer";
    return out;
}

} // namespace tafel::bbb
