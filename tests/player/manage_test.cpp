// Owners' actions (issue 7, "Access"): publish/unpublish, rename, retention, delete, download,
// through the JSON API (Bearer token) and the page's /r/<id>/manage routes (session cookie),
// with the audit log of issue 9; viewers get 404 for unpublished and expired recordings.
#include "player/detail/access.hpp"
#include "tests/player/fixture.hpp"
#include "tests/player/http_client.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <memory>

using namespace tafel::player::test;
using tafel::player::detail::Grant;
using tafel::player::detail::Role;
using tafel::player::detail::sign_token;

namespace {

constexpr const char* k_secret = "portal-and-tafel-share-this";
constexpr std::int64_t k_now = 1'800'000'000;
constexpr std::int64_t k_us = 1'000'000;

struct OwnedServer {
    std::shared_ptr<std::atomic<std::int64_t>> clock = std::make_shared<std::atomic<std::int64_t>>(k_now);
    ServerFixture fx{[this] {
        tafel::player::ServerOptions o;
        o.secret = k_secret;
        o.now = [c = clock] { return c->load(); };
        return o;
    }()};
    std::string owner = sign_token(Grant{k_id, Role::owner, k_now + 3600}, k_secret);
    std::string viewer = sign_token(Grant{k_id, Role::viewer, k_now + 3600}, k_secret);

    Headers bearer(const std::string& token) const {
        return {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
    }
    HttpResult act(const std::string& action, const std::string& token, const std::string& body = "{}") {
        return http_request(fx.port(), "POST", fmt::format("/api/v1/recordings/{}/{}", k_id, action), bearer(token),
                            body);
    }
    int viewer_status(const std::string& path = {}) {
        return http_request(fx.port(), "GET", fmt::format("/r/{}{}?token={}", k_id, path, viewer)).status;
    }
    std::vector<tafel::storage::AuditEntry> audit() {
        tafel::storage::AuditFilter filter;
        filter.recording_id = k_id;
        auto entries = fx.data.catalog->audit(filter);
        REQUIRE(entries.has_value());
        return *entries;
    }
};

bool audited(const std::vector<tafel::storage::AuditEntry>& entries, const std::string& action) {
    for (const auto& e : entries)
        if (e.action == action && e.recording_id == k_id) return true;
    return false;
}

} // namespace

TEST_CASE("owners unpublish and publish - viewers then get 404 - each is audited", "[integration]") {
    OwnedServer s;
    REQUIRE(s.viewer_status() == 200);
    // A viewer may not manage, a tampered owner token neither.
    CHECK(s.act("unpublish", s.viewer).status == 403);
    std::string forged = s.viewer;
    forged.replace(forged.find("viewer"), 6, "owner");
    CHECK(s.act("unpublish", forged).status == 403);
    CHECK(s.viewer_status() == 200);

    const auto hidden = s.act("unpublish", s.owner);
    REQUIRE(hidden.status == 200);
    CHECK(nlohmann::json::parse(hidden.body)["state"] == "unpublished");
    CHECK(s.viewer_status() == 404);
    CHECK(s.viewer_status("/media/lesson.mp4") == 404);
    // The owner still sees it, to publish it again.
    CHECK(http_request(s.fx.port(), "GET", fmt::format("/r/{}?token={}", k_id, s.owner)).status == 200);
    CHECK(audited(s.audit(), "unpublished"));

    CHECK(s.act("publish", s.owner).status == 200);
    CHECK(s.viewer_status() == 200);
    CHECK(audited(s.audit(), "published"));
    // An unknown action and a request without a JSON type are refused.
    CHECK(s.act("explode", s.owner).status == 404);
    CHECK(http_request(s.fx.port(), "POST", fmt::format("/api/v1/recordings/{}/unpublish", k_id),
                       {{"Authorization", "Bearer " + s.owner}, {"Content-Type", "text/plain"}})
              .status == 415);
    CHECK(s.viewer_status() == 200);
}

TEST_CASE("owners rename and shorten the retention - expired recordings are 404 for viewers", "[integration]") {
    OwnedServer s;
    const auto renamed = s.act("update", s.owner, R"({"title": "Brüche, Teil 2"})");
    REQUIRE(renamed.status == 200);
    auto row = s.fx.data.catalog->recording(k_id);
    REQUIRE(row.has_value());
    REQUIRE(row->has_value());
    CHECK((*row)->title == "Brüche, Teil 2");
    CHECK(s.act("update", s.owner, R"({"title": ""})").status == 400);
    CHECK(s.act("update", s.owner, R"({"title": 7})").status == 400);
    CHECK(s.act("update", s.owner, "not json").status == 400);

    const std::int64_t in_a_day = (k_now + 86'400) * k_us;
    REQUIRE(s.act("update", s.owner, fmt::format(R"({{"delete_after_utc_us": {}}})", in_a_day)).status == 200);
    row = s.fx.data.catalog->recording(k_id);
    CHECK((*row)->delete_after_utc_us == in_a_day);
    CHECK(audited(s.audit(), "shortened"));
    // Owners shorten, never extend (issue 9: admins extend), and never into the past.
    CHECK(s.act("update", s.owner, fmt::format(R"({{"delete_after_utc_us": {}}})", in_a_day + k_us)).status == 403);
    CHECK(s.act("update", s.owner, fmt::format(R"({{"delete_after_utc_us": {}}})", (k_now - 1) * k_us)).status == 400);
    const auto owner_json = http_request(s.fx.port(), "GET", fmt::format("/api/v1/recordings/{}", k_id), s.bearer(s.owner));
    CHECK(nlohmann::json::parse(owner_json.body)["delete_after_utc_us"] == in_a_day);

    // The day passes: viewers no longer find it (the retention sweep deletes it later).
    CHECK(s.viewer_status() == 200);
    s.clock->store(k_now + 86'400);
    s.viewer = sign_token(Grant{k_id, Role::viewer, k_now + 86'400 + 3600}, k_secret);
    CHECK(s.viewer_status() == 404);
    CHECK(s.viewer_status("/media/lesson.mp4") == 404);
}

TEST_CASE("owners download one MP4 named after the title - viewers may not", "[integration]") {
    OwnedServer s;
    CHECK(s.viewer_status("/download") == 403);
    const auto file = http_request(s.fx.port(), "GET", fmt::format("/r/{}/download?token={}", k_id, s.owner));
    REQUIRE(file.status == 200);
    CHECK(file.body == mp4_bytes(0, k_mp4_size));
    CHECK(file.header("content-type") == "video/mp4");
    const auto disposition = file.header("content-disposition");
    CHECK(disposition.starts_with("attachment; filename=\"Mathe_7b"));
    CHECK(disposition.find(".mp4\"") != std::string::npos);
    CHECK(disposition.find("filename*=UTF-8''Mathe%207b%3A%20Br%C3%BCche") != std::string::npos);
    CHECK(audited(s.audit(), "downloaded"));
    // A resumed download is a range of the same file.
    const auto rest = http_request(s.fx.port(), "GET", fmt::format("/r/{}/download?token={}", k_id, s.owner),
                                   {{"Range", "bytes=100-"}});
    CHECK(rest.status == 206);
    CHECK(rest.body == mp4_bytes(100, k_mp4_size - 100));
}

TEST_CASE("owners delete a recording everywhere - the page's cookie route works too", "[integration]") {
    OwnedServer s;
    // The page's route, with the session cookie the page got.
    const auto page = http_request(s.fx.port(), "GET", fmt::format("/r/{}?token={}", k_id, s.owner));
    REQUIRE(page.status == 200);
    CHECK(page.body.find("id=\"manage\"") != std::string::npos);
    CHECK(page.body.find("/assets/manage.js") != std::string::npos);
    const std::string cookie = page.header("set-cookie").substr(0, page.header("set-cookie").find(';'));
    const Headers with_cookie{{"Cookie", cookie}, {"Content-Type", "application/json"}};
    CHECK(http_request(s.fx.port(), "POST", fmt::format("/r/{}/manage/unpublish", k_id), with_cookie, "{}").status == 200);
    CHECK(s.viewer_status() == 404);

    // A viewer's page has no controls.
    CHECK(http_request(s.fx.port(), "POST", fmt::format("/r/{}/manage/publish", k_id), with_cookie, "{}").status == 200);
    const auto viewer_page = http_request(s.fx.port(), "GET", fmt::format("/r/{}?token={}", k_id, s.viewer));
    CHECK(viewer_page.body.find("id=\"manage\"") == std::string::npos);

    const auto gone = http_request(s.fx.port(), "DELETE", fmt::format("/api/v1/recordings/{}", k_id), s.bearer(s.owner));
    REQUIRE(gone.status == 200);
    CHECK_FALSE(std::filesystem::exists(s.fx.data.layout.published_dir(k_id)));
    auto row = s.fx.data.catalog->recording(k_id);
    REQUIRE(row.has_value());
    CHECK_FALSE(row->has_value());
    CHECK(s.viewer_status() == 404);
    CHECK(audited(s.audit(), "deleted"));
    // Gone means gone, for its owner too.
    CHECK(s.act("publish", s.owner).status == 404);
}

TEST_CASE("without a secret nobody manages", "[integration]") {
    ServerFixture open;
    CHECK(http_request(open.port(), "POST", fmt::format("/api/v1/recordings/{}/unpublish", k_id),
                       {{"Content-Type", "application/json"}}, "{}")
              .status == 403);
    CHECK(http_request(open.port(), "GET", fmt::format("/r/{}", k_id)).status == 200);
}
