// File ranges go out through sendfile(2) (player/detail/http_session.cpp): a reader with a
// tiny receive buffer makes the server wait for writability again and again and still gets
// every byte in order; a reader that stops reading is closed by the idle timeout instead of
// holding the connection forever.
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

#include <charconv>
#include <chrono>
#include <stdexcept>

using namespace tafel::player::test;
using namespace std::chrono_literals;

namespace {

// Twice what the server's send buffer may grow to (net.ipv4.tcp_wmem max, 4 MiB by default),
// so that with a bounded receive buffer sendfile meets a full socket.
constexpr std::size_t k_big = 8u << 20;

// A connection, optionally with a small receive buffer (set before connect, so the window
// stays small).
class SmallWindowSocket {
public:
    explicit SmallWindowSocket(std::uint16_t port, int receive_buffer = 0)
        : fd_(connect_loopback(port, receive_buffer)) {}

    void send(const std::string& bytes) {
        REQUIRE(::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size()));
    }
    // Reads until EOF or `want` bytes, each read bounded by `timeout`; what arrived.
    std::string read_up_to(std::size_t want, std::chrono::milliseconds timeout) {
        std::string out;
        char buf[65536];
        while (out.size() < want) {
            pollfd p{fd_.get(), POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) break;
            const ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
            if (n <= 0) break;
            out.append(buf, static_cast<std::size_t>(n));
        }
        return out;
    }

private:
    tafel::UniqueFd fd_;
};

long long open_connections(std::uint16_t port) {
    const auto text = http_request(port, "GET", "/metrics").body;
    const std::string name = "\ntafel_player_open_connections ";
    const auto at = text.find(name);
    if (at == std::string::npos) return -1;
    long long n = -1;
    std::from_chars(text.data() + at + name.size(), text.data() + text.size(), n);
    return n;
}

} // namespace

TEST_CASE("a large range reaches a slow reader whole and in order", "[integration]") {
    ServerFixture fx;
    write_file(fx.data.layout.published_dir(k_id) / "lesson.mp4", mp4_bytes(0, k_big));
    SmallWindowSocket reader(fx.port());
    const std::size_t first = 1000, count = k_big - 5000;
    reader.send(fmt::format("GET /r/{}/media/lesson.mp4 HTTP/1.1\r\nHost: x\r\nRange: bytes={}-{}\r\n\r\n", k_id, first,
                            first + count - 1));
    std::string all = reader.read_up_to(1, 10s);
    while (all.find("\r\n\r\n") == std::string::npos) {
        const auto more = reader.read_up_to(1, 10s);
        REQUIRE_FALSE(more.empty());
        all += more;
    }
    REQUIRE(all.starts_with("HTTP/1.1 206"));
    const auto body_at = all.find("\r\n\r\n") + 4;
    CHECK(all.find(fmt::format("Content-Length: {}", count)) < body_at);
    // Exactly the promised bytes (a keep-alive connection: no EOF to wait for).
    std::string body = all.substr(body_at) + reader.read_up_to(count - (all.size() - body_at), 10s);
    REQUIRE(body.size() == count);
    CHECK(body == mp4_bytes(first, count));
}

TEST_CASE("a reader that stops reading a large file is closed by the idle timeout", "[integration]") {
    tafel::player::ServerOptions options;
    options.idle_timeout = 300ms;
    ServerFixture fx(options);
    write_file(fx.data.layout.published_dir(k_id) / "lesson.mp4", mp4_bytes(0, k_big));
    SmallWindowSocket stalled(fx.port(), 4096);
    stalled.send(fmt::format("GET /r/{}/media/lesson.mp4 HTTP/1.1\r\nHost: x\r\n\r\n", k_id));
    REQUIRE(stalled.read_up_to(1, 10s).starts_with("HTTP/1.1 200"));
    // It reads nothing more. The /metrics request's own connection is the only one left
    // once the server has given up on the stalled one.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    long long open = open_connections(fx.port());
    while (open != 1 && std::chrono::steady_clock::now() < deadline) open = open_connections(fx.port());
    CHECK(open == 1);
    // What the stalled reader can still drain is far less than the file, then EOF.
    CHECK(stalled.read_up_to(k_big, 2s).size() < k_big / 2);
}

TEST_CASE("a reader that hangs up in the middle of a file does not take the server down", "[integration]") {
    ServerFixture fx;
    write_file(fx.data.layout.published_dir(k_id) / "lesson.mp4", mp4_bytes(0, k_big));
    for (int i = 0; i < 5; ++i) {
        SmallWindowSocket leaving(fx.port(), 4096);
        leaving.send(fmt::format("GET /r/{}/media/lesson.mp4 HTTP/1.1\r\nHost: x\r\n\r\n", k_id));
        REQUIRE(leaving.read_up_to(1, 10s).starts_with("HTTP/1.1 200"));
    } // closed with unread data: a reset, and EPIPE (SIGPIPE unless ignored) on the next sendfile
    // The server (this very process: SIGPIPE would have ended the test run) still answers.
    CHECK(http_request(fx.port(), "GET", "/healthz").status == 200);
    const auto range = http_request(fx.port(), "GET", fmt::format("/r/{}/media/lesson.mp4", k_id), {{"Range", "bytes=0-9"}});
    CHECK(range.body == mp4_bytes(0, 10));
}
