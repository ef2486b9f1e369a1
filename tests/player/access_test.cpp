// Signed access: tokens (HMAC-SHA256 over recording id, role, expiry) exchanged for a
// session cookie; tampered, expired and foreign tokens refused; open access without a secret.
#include "player/detail/access.hpp"
#include "player/detail/reply.hpp"
#include "tests/player/fixture.hpp"
#include "tests/player/http_client.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <atomic>
#include <memory>

using namespace tafel::player::test;
using tafel::player::detail::Grant;
using tafel::player::detail::Role;
using tafel::player::detail::sign_token;
using tafel::player::detail::verify_token;

namespace {

constexpr const char* k_secret = "portal-and-tafel-share-this";
constexpr std::int64_t k_now = 1'800'000'000;

std::string token_for(const std::string& id, Role role, std::int64_t expires, const char* secret = k_secret) {
    return sign_token(Grant{id, role, expires}, secret);
}

// A server with a secret and a clock the test moves.
struct SignedServer {
    std::shared_ptr<std::atomic<std::int64_t>> clock = std::make_shared<std::atomic<std::int64_t>>(k_now);
    ServerFixture fx{[this] {
        tafel::player::ServerOptions o;
        o.secret = k_secret;
        o.now = [c = clock] { return c->load(); };
        return o;
    }()};
};

std::string cookie_value(const std::string& set_cookie) {
    return set_cookie.substr(0, set_cookie.find(';'));
}

} // namespace

TEST_CASE("HMAC-SHA256 matches RFC 4231 test case 2", "[unit]") {
    CHECK(tafel::player::detail::hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("tokens verify, and tampered, expired or malformed ones do not", "[unit]") {
    const std::string good = token_for("abc-1", Role::viewer, k_now + 60);
    auto ok = verify_token(good, k_secret, k_now);
    REQUIRE(ok.has_value());
    CHECK(ok->recording_id == "abc-1");
    CHECK(ok->role == Role::viewer);
    CHECK(ok->expires_unix_s == k_now + 60);

    // Each field changed after signing breaks the signature.
    std::string role_up = good;
    role_up.replace(role_up.find("viewer"), 6, "owner");
    CHECK_FALSE(verify_token(role_up, k_secret, k_now));
    std::string later = good;
    later.replace(later.find(std::to_string(k_now + 60)), 10, std::to_string(k_now + 99999).substr(0, 10));
    CHECK_FALSE(verify_token(later, k_secret, k_now));
    std::string flipped = good;
    flipped.back() = flipped.back() == '0' ? '1' : '0';
    CHECK_FALSE(verify_token(flipped, k_secret, k_now));
    CHECK_FALSE(verify_token(token_for("abc-1", Role::viewer, k_now + 60, "another secret"), k_secret, k_now));

    auto expired = verify_token(good, k_secret, k_now + 60);
    REQUIRE_FALSE(expired);
    CHECK(expired.error().message.find("expired") != std::string::npos);

    for (const char* bad : {"", "abc", "a.viewer.1", "a.viewer.1.x.y", "../x.viewer.9999999999.00",
                            "a.admin.9999999999.00", "a.viewer.soon.00"})
        CHECK_FALSE(verify_token(bad, k_secret, k_now));
}

TEST_CASE("with a secret, a viewer needs a token - the page exchanges it for a session cookie",
          "[integration]") {
    SignedServer s;
    const auto port = s.fx.port();
    const std::string page = fmt::format("/r/{}", k_id);
    const std::string mp4 = fmt::format("/r/{}/media/lesson.mp4", k_id);

    // No token: no page, no media, no list, no API.
    CHECK(http_request(port, "GET", page).status == 403);
    CHECK(http_request(port, "GET", mp4).status == 403);
    CHECK(http_request(port, "GET", "/").status == 403);
    CHECK(http_request(port, "GET", "/api/v1/recordings").status == 403);
    CHECK(http_request(port, "GET", fmt::format("/api/v1/recordings/{}", k_id)).status == 403);
    CHECK(http_request(port, "GET", "/healthz").status == 200);

    const std::string token = token_for(k_id, Role::viewer, k_now + 3600);
    const auto opened = http_request(port, "GET", page + "?token=" + token);
    REQUIRE(opened.status == 200);
    const std::string set_cookie = opened.header("set-cookie");
    CHECK(set_cookie.find("tafel_session=") == 0);
    CHECK(set_cookie.find("HttpOnly") != std::string::npos);
    CHECK(set_cookie.find("SameSite=Strict") != std::string::npos);
    CHECK(set_cookie.find(fmt::format("Path=/r/{}", k_id)) != std::string::npos);
    CHECK(set_cookie.find("Max-Age=3600") != std::string::npos);
    // A viewer gets no download link.
    CHECK(opened.body.find("download") == std::string::npos);

    // The cookie opens the page again and the media the page loads.
    const Headers cookie{{"Cookie", "other=1; " + cookie_value(set_cookie)}};
    CHECK(http_request(port, "GET", page, cookie).status == 200);
    const auto video = http_request(port, "GET", mp4, {{"Cookie", cookie_value(set_cookie)}, {"Range", "bytes=0-9"}});
    CHECK(video.status == 206);
    CHECK(video.body == mp4_bytes(0, 10));
    CHECK(http_request(port, "GET", fmt::format("/api/v1/recordings/{}", k_id),
                       {{"Authorization", "Bearer " + token}}).status == 200);

    // The grant is for one recording only.
    CHECK(http_request(port, "GET", fmt::format("/r/{}", k_older_id), cookie).status == 403);
    CHECK(http_request(port, "GET", fmt::format("/r/{}?token={}", k_older_id, token)).status == 403);

    // When it expires, the session ends with it.
    s.clock->store(k_now + 3600);
    CHECK(http_request(port, "GET", page, cookie).status == 403);
    CHECK(http_request(port, "GET", mp4, cookie).status == 403);
}

TEST_CASE("tampered tokens are refused - unpublished recordings stay 404 even with a token", "[integration]") {
    SignedServer s;
    const auto port = s.fx.port();
    std::string token = token_for(k_id, Role::viewer, k_now + 3600);
    std::string owner = token;
    owner.replace(owner.find("viewer"), 6, "owner");
    const auto tampered = http_request(port, "GET", fmt::format("/r/{}?token={}", k_id, owner));
    CHECK(tampered.status == 403);
    CHECK(tampered.header("set-cookie").empty());
    CHECK(http_request(port, "GET", fmt::format("/r/{}", k_id), {{"Cookie", "tafel_session=" + owner}}).status == 403);

    const auto processing = token_for(k_processing_id, Role::owner, k_now + 3600);
    CHECK(http_request(port, "GET", fmt::format("/r/{}?token={}", k_processing_id, processing)).status == 404);
}

TEST_CASE("an owner token shows the download link - without a secret access is open", "[integration]") {
    {
        SignedServer s;
        const auto owner = http_request(s.fx.port(), "GET",
                                        fmt::format("/r/{}?token={}", k_id, token_for(k_id, Role::owner, k_now + 60)));
        REQUIRE(owner.status == 200);
        CHECK(owner.body.find(fmt::format("href=\"/r/{}/download\" download", k_id)) != std::string::npos);
    }
    ServerFixture open;
    const auto page = http_request(open.port(), "GET", fmt::format("/r/{}", k_id));
    CHECK(page.status == 200);
    CHECK(page.header("set-cookie").empty());
    CHECK(http_request(open.port(), "GET", "/").status == 200);
}
