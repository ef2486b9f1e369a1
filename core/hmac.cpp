#include "core/hmac.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <stdexcept>

namespace tafel {

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data(), &size)) {
        throw std::runtime_error("HMAC-SHA256 failed in OpenSSL");   // a bug or a broken libcrypto
    }
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * size);
    for (unsigned int i = 0; i < size; ++i) {
        out.push_back(k_hex[digest[i] >> 4]);
        out.push_back(k_hex[digest[i] & 0x0f]);
    }
    return out;
}

std::string control_signature(std::string_view secret, std::string_view method, std::string_view target,
                              std::string_view body) {
    std::string message;
    message.reserve(method.size() + target.size() + body.size() + 2);
    message.append(method).append("\n").append(target).append("\n").append(body);
    return hmac_sha256_hex(secret, message);
}

bool signature_equal(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace tafel
