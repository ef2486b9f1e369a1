#include "player/detail/access.hpp"

#include "core/ids.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <vector>

namespace tafel::player::detail {

namespace {

std::vector<std::string_view> split_dots(std::string_view s) {
    std::vector<std::string_view> out;
    for (;;) {
        const auto dot = s.find('.');
        out.push_back(s.substr(0, dot));
        if (dot == std::string_view::npos) return out;
        s.remove_prefix(dot + 1);
    }
}

} // namespace

std::string_view to_string(Role role) noexcept { return role == Role::owner ? "owner" : "viewer"; }

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    // One-shot HMAC (OpenSSL 3 keeps it; only HMAC_CTX is deprecated).
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
    std::string hex;
    hex.reserve(length * 2);
    for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
    return hex;
}

std::string sign_token(const Grant& grant, std::string_view secret) {
    const std::string payload =
        fmt::format("{}.{}.{}", grant.recording_id, to_string(grant.role), grant.expires_unix_s);
    return payload + "." + hmac_sha256_hex(secret, payload);
}

Result<Grant> verify_token(std::string_view token, std::string_view secret, std::int64_t now_unix_s) {
    if (token.size() > 512) return fail(Errc::malformed_input, "token too long");
    const auto parts = split_dots(token);
    if (parts.size() != 4) return fail(Errc::malformed_input, "token must have 4 dot-separated fields");
    Grant grant;
    grant.recording_id = std::string(parts[0]);
    if (!is_safe_id(grant.recording_id)) return fail(Errc::malformed_input, "token names no valid recording id");
    if (parts[1] == "viewer") grant.role = Role::viewer;
    else if (parts[1] == "owner") grant.role = Role::owner;
    else return fail(Errc::malformed_input, "token role must be 'viewer' or 'owner'");
    const auto exp = parts[2];
    const auto [end, ec] = std::from_chars(exp.data(), exp.data() + exp.size(), grant.expires_unix_s);
    if (ec != std::errc{} || end != exp.data() + exp.size() || exp.empty())
        return fail(Errc::malformed_input, "token expiry is not a number of seconds");

    const std::string payload(token.substr(0, token.size() - parts[3].size() - 1));
    const std::string expected = hmac_sha256_hex(secret, payload);
    // Constant time: the comparison must not tell an attacker how many bytes were right.
    if (parts[3].size() != expected.size() ||
        CRYPTO_memcmp(parts[3].data(), expected.data(), expected.size()) != 0)
        return fail(Errc::malformed_input, "token signature does not match");
    if (grant.expires_unix_s <= now_unix_s)
        return fail(Errc::invalid_argument,
                    fmt::format("token expired {} s ago", now_unix_s - grant.expires_unix_s));
    return grant;
}

} // namespace tafel::player::detail

#include "player/detail/reply.hpp"

namespace tafel::player::detail {

namespace {

std::string_view trim_spaces(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

} // namespace

std::vector<std::string> offered_tokens(const Request& request, std::string_view query) {
    std::vector<std::string> out;
    // Tokens hold only [A-Za-z0-9_.-]: no percent-decoding needed.
    for (std::string_view q = query; !q.empty();) {
        const auto amp = q.find('&');
        const auto pair = q.substr(0, amp);
        if (pair.starts_with("token=")) out.emplace_back(pair.substr(6));
        if (amp == std::string_view::npos) break;
        q.remove_prefix(amp + 1);
    }
    const auto auth = trim_spaces(request.header("Authorization"));
    if (auth.size() > 7 && iequals(auth.substr(0, 7), "Bearer ")) out.emplace_back(trim_spaces(auth.substr(7)));
    for (const auto& [name, value] : request.headers) {
        if (!iequals(name, "Cookie")) continue;
        for (std::string_view c = value; !c.empty();) {
            const auto semi = c.find(';');
            const auto pair = trim_spaces(c.substr(0, semi));
            const auto eq = pair.find('=');
            if (eq != std::string_view::npos && pair.substr(0, eq) == k_session_cookie)
                out.emplace_back(pair.substr(eq + 1));
            if (semi == std::string_view::npos) break;
            c.remove_prefix(semi + 1);
        }
    }
    return out;
}

Result<Grant> find_grant(const Request& request, std::string_view query, std::string_view recording_id,
                         std::string_view secret, std::int64_t now_unix_s) {
    Result<Grant> last = fail(Errc::not_found, "no access token");
    for (const auto& token : offered_tokens(request, query)) {
        auto grant = verify_token(token, secret, now_unix_s);
        if (grant && grant->recording_id != recording_id)
            grant = fail(Errc::malformed_input, "token is for another recording");
        if (grant) return grant;
        last = std::move(grant);
    }
    return last;
}

std::string session_set_cookie(std::string_view token, const Grant& grant, std::int64_t now_unix_s) {
    return fmt::format("{}={}; Path=/r/{}; Max-Age={}; HttpOnly; SameSite=Strict", k_session_cookie, token,
                       grant.recording_id, std::max<std::int64_t>(0, grant.expires_unix_s - now_unix_s));
}

} // namespace tafel::player::detail
