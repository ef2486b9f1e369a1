#pragma once
// Signed access (docs/player.md, "Access"): the portal signs a grant — recording id, role,
// expiry — with the secret it shares with tafel, as HMAC-SHA256 (RFC 2104, FIPS 180-4):
//
//   token = <recording id> "." <viewer|owner> "." <expiry, Unix seconds> "." <hex HMAC>
//   HMAC  = HMAC-SHA256(secret, "<recording id>.<role>.<expiry>")
//
// Recording ids are safe ids ([A-Za-z0-9_-]), so '.' separates the fields unambiguously.
#include "core/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tafel::player::detail {

enum class Role { viewer, owner };

struct Grant {
    std::string recording_id;
    Role role = Role::viewer;
    std::int64_t expires_unix_s = 0;
};

std::string_view to_string(Role role) noexcept;

// Lowercase hex of HMAC-SHA256(key, message).
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

// The token for `grant` (what a portal computes; used by tests and docs).
std::string sign_token(const Grant& grant, std::string_view secret);

// Checks shape, signature (constant-time) and expiry against `now_unix_s`. Errors:
// malformed_input (shape or signature: a tampered token), invalid_argument (expired), each
// naming why.
Result<Grant> verify_token(std::string_view token, std::string_view secret, std::int64_t now_unix_s);

} // namespace tafel::player::detail

namespace tafel::player::detail {

struct Request;

inline constexpr std::string_view k_session_cookie = "tafel_session";

// Every token a request offers, in order: the `token` query parameter, an
// `Authorization: Bearer` header (RFC 6750 2.1), then each `tafel_session` cookie
// (RFC 6265 5.4: several may arrive when paths differ).
std::vector<std::string> offered_tokens(const Request& request, std::string_view query);

// The first offered token that grants access to `recording_id` now; the error of the last
// failed one (or not_found when none was offered).
Result<Grant> find_grant(const Request& request, std::string_view query, std::string_view recording_id,
                         std::string_view secret, std::int64_t now_unix_s);

// Set-Cookie for a session on /r/<id>: HttpOnly (no script can read it), SameSite=Strict
// (never sent with another site's requests), scoped to the recording's path and expiring
// with the grant (RFC 6265 4.1).
std::string session_set_cookie(std::string_view token, const Grant& grant, std::int64_t now_unix_s);

} // namespace tafel::player::detail
