// /metrics (Prometheus text format 0.0.4) and /healthz.
#include "tests/player/fixture.hpp"
#include "tests/player/http_client.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <charconv>
#include <string>

using namespace tafel::player::test;

namespace {

// The value of one sample line "<name> <value>", or -1 when absent.
long long sample(const std::string& text, const std::string& name) {
    const auto at = text.find("\n" + name + " ");
    if (at == std::string::npos) return -1;
    const auto begin = at + name.size() + 2;
    long long value = -1;
    std::from_chars(text.data() + begin, text.data() + text.find('\n', begin), value);
    return value;
}

} // namespace

TEST_CASE("/metrics counts requests by status, bytes, open connections and recordings", "[integration]") {
    ServerFixture fx;
    const auto port = fx.port();
    CHECK(http_request(port, "GET", "/healthz").body == "ok\n");
    CHECK(http_request(port, "GET", "/nope").status == 404);
    CHECK(http_request(port, "GET", fmt::format("/r/{}/media/lesson.mp4", k_id)).status == 200);

    HttpClient held(port); // one connection stays open while /metrics is read on another
    CHECK(held.request("GET", "/healthz").status == 200);
    const auto metrics = http_request(port, "GET", "/metrics");
    REQUIRE(metrics.status == 200);
    CHECK(metrics.header("content-type") == "text/plain; version=0.0.4; charset=utf-8");
    const auto& text = metrics.body;
    CHECK(text.find("# TYPE tafel_player_http_requests_total counter") != std::string::npos);
    CHECK(sample(text, "tafel_player_http_requests_total{code=\"200\"}") >= 3);
    CHECK(sample(text, "tafel_player_http_requests_total{code=\"404\"}") == 1);
    // The whole lesson.mp4 went out, headers on top.
    CHECK(sample(text, "tafel_player_http_response_bytes_total") > static_cast<long long>(k_mp4_size));
    // This request's connection and the held one.
    CHECK(sample(text, "tafel_player_open_connections") >= 2);
    // The fixture: three published rows (one without its folder) and one processing.
    CHECK(sample(text, "tafel_recordings{state=\"published\"}") == 3);
    CHECK(sample(text, "tafel_recordings{state=\"processing\"}") == 1);
}
