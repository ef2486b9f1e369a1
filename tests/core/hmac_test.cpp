#include "core/hmac.hpp"

#include <catch2/catch.hpp>

using namespace tafel;

TEST_CASE("hmac_sha256_hex matches RFC 4231 test vectors", "[unit][core]") {
    // RFC 4231 4.3, test case 2.
    CHECK(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    // RFC 4231 4.2, test case 1: key = 20 × 0x0b.
    CHECK(hmac_sha256_hex(std::string(20, '\x0b'), "Hi There") ==
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST_CASE("control_signature signs method, target and body", "[unit][core]") {
    const auto s = control_signature("k", "POST", "/api/v1/sessions?x=1", "{}");
    CHECK(s == hmac_sha256_hex("k", "POST\n/api/v1/sessions?x=1\n{}"));
    CHECK(s != control_signature("k", "POST", "/api/v1/sessions?x=2", "{}"));
    CHECK(s != control_signature("k", "GET", "/api/v1/sessions?x=1", "{}"));
    CHECK(s != control_signature("k", "POST", "/api/v1/sessions?x=1", "{ }"));
    CHECK(s != control_signature("l", "POST", "/api/v1/sessions?x=1", "{}"));
    CHECK(signature_equal(s, control_signature("k", "POST", "/api/v1/sessions?x=1", "{}")));
    CHECK_FALSE(signature_equal(s, s.substr(1)));
    CHECK_FALSE(signature_equal(s, std::string(s.size(), '0')));
}
