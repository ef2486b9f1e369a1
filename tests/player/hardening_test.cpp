// HTTP hardening over real TCP: a slowloris client is cut off by the read timeout, oversized
// headers and bodies are refused, text goes out gzip-coded when the client accepts it.
#include "player/detail/gzip.hpp"
#include "tests/player/fixture.hpp"
#include "tests/player/http_client.hpp"
#include "tests/player/loopback_socket.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <stdexcept>

using namespace tafel::player::test;
using namespace std::chrono_literals;

namespace {

// A blocking TCP connection to 127.0.0.1:port, closed by its destructor.
class RawSocket {
public:
    explicit RawSocket(std::uint16_t port) : fd_(connect_loopback(port)) {}

    // False once the server has closed (the write fails).
    bool send(std::string_view bytes) {
        return ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
    }
    // True when the server closed the connection within `timeout` (EOF or reset).
    bool closed_within(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        char buf[4096];
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return false;
            pollfd p{fd_.get(), POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
            const ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
            if (n <= 0) return true;
        }
    }

private:
    tafel::UniqueFd fd_;
};

std::string gunzip(const std::string& data) {
    z_stream z{};
    REQUIRE(inflateInit2(&z, 15 + 16) == Z_OK);
    std::string out(1 << 20, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    const int rc = inflate(&z, Z_FINISH);
    out.resize(z.total_out);
    inflateEnd(&z);
    REQUIRE(rc == Z_STREAM_END);
    return out;
}

} // namespace

TEST_CASE("a slowloris client trickling its headers is closed by the read timeout", "[integration]") {
    tafel::player::ServerOptions options;
    options.idle_timeout = 400ms;
    ServerFixture fx(options);
    RawSocket slow(fx.port());
    const auto start = std::chrono::steady_clock::now();
    REQUIRE(slow.send("GET / HTTP/1.1\r\nHost: x\r\n"));
    // One header byte every 100 ms: always "active", never done. The whole request must
    // arrive within the timeout, so the server hangs up after ~400 ms, not never.
    bool cut = false;
    for (int i = 0; i < 30 && !cut; ++i) {
        if (!slow.send("X")) break;
        cut = slow.closed_within(100ms);
    }
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(cut);
    CHECK(took < 2s);
    CHECK(took >= 350ms);

    // A client that connects and says nothing is closed as well; a prompt one is served.
    RawSocket silent(fx.port());
    CHECK(silent.closed_within(2s));
    CHECK(http_request(fx.port(), "GET", "/healthz").status == 200);
}

TEST_CASE("oversized bodies get 413, bad methods 405", "[integration]") {
    ServerFixture fx;
    // The declared length alone is refused: the server does not wait for the body.
    const std::string post = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n";
    CHECK(raw_exchange(fx.port(), post).starts_with("HTTP/1.1 413"));
    const auto small = raw_exchange(fx.port(), "PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nab");
    CHECK(small.starts_with("HTTP/1.1 405"));
    CHECK(small.find("Allow: GET, HEAD") != std::string::npos);
}

TEST_CASE("text replies are gzip-coded for clients that accept it, media never", "[integration]") {
    ServerFixture fx;
    const std::string page = fmt::format("/r/{}", k_id);
    const auto plain = http_request(fx.port(), "GET", page);
    REQUIRE(plain.status == 200);
    CHECK(plain.header("content-encoding").empty());
    CHECK(plain.header("vary") == "Accept-Encoding");

    const auto packed = http_request(fx.port(), "GET", page, {{"Accept-Encoding", "br;q=1.0, gzip;q=0.8"}});
    REQUIRE(packed.status == 200);
    CHECK(packed.header("content-encoding") == "gzip");
    CHECK(packed.body.size() < plain.body.size() / 2);
    CHECK(gunzip(packed.body) == plain.body);
    CHECK(http_request(fx.port(), "GET", page, {{"Accept-Encoding", "gzip;q=0"}}).header("content-encoding").empty());

    // HEAD promises what GET sends.
    const auto head = http_request(fx.port(), "HEAD", page, {{"Accept-Encoding", "gzip"}});
    CHECK(head.header("content-encoding") == "gzip");
    CHECK(head.header("content-length") == std::to_string(packed.body.size()));

    // Scripts: the gzip variant has its own ETag, and it revalidates.
    const auto js = http_request(fx.port(), "GET", "/assets/player.js", {{"Accept-Encoding", "gzip"}});
    REQUIRE(js.header("content-encoding") == "gzip");
    CHECK(js.header("etag").find("-gzip\"") != std::string::npos);
    CHECK(http_request(fx.port(), "GET", "/assets/player.js",
                       {{"Accept-Encoding", "gzip"}, {"If-None-Match", js.header("etag")}}).status == 304);

    // Video is sent as it is, byte ranges intact.
    const auto video = http_request(fx.port(), "GET", fmt::format("/r/{}/media/lesson.mp4", k_id),
                                    {{"Accept-Encoding", "gzip"}, {"Range", "bytes=10-19"}});
    CHECK(video.status == 206);
    CHECK(video.header("content-encoding").empty());
    CHECK(video.body == mp4_bytes(10, 10));
}

TEST_CASE("Accept-Encoding parsing", "[unit]") {
    using tafel::player::detail::accepts_gzip;
    CHECK(accepts_gzip("gzip"));
    CHECK(accepts_gzip("deflate, GZIP"));
    CHECK(accepts_gzip("*"));
    CHECK(accepts_gzip("gzip;q=0.5"));
    CHECK_FALSE(accepts_gzip(""));
    CHECK_FALSE(accepts_gzip("br, deflate"));
    CHECK_FALSE(accepts_gzip("gzip;q=0"));
    CHECK_FALSE(accepts_gzip("gzip; q=0.000"));
}
