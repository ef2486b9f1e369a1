#pragma once
// HMAC-SHA256 (RFC 2104 over FIPS 180-4) for the recorder's control API: the portal (and the
// simulator) sign each request with the shared secret, the recorder checks the signature.
// OpenSSL stays in the .cpp.
#include <string>
#include <string_view>

namespace tafel {

inline constexpr std::string_view k_signature_header = "X-Tafel-Signature";

// Lower-case hex of HMAC-SHA256(key, message).
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

// The control API's request signature: hex(HMAC-SHA256(secret, METHOD "\n" target "\n" body)),
// `target` being the path with its query, as sent.
std::string control_signature(std::string_view secret, std::string_view method, std::string_view target,
                              std::string_view body);

// Compares two signatures in time independent of where they differ (no timing oracle).
bool signature_equal(std::string_view a, std::string_view b) noexcept;

} // namespace tafel
