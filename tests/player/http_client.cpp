#include "tests/player/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cctype>
#include <optional>
#include <stdexcept>

namespace tafel::player::test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// Runs the io_context until `done` or the timeout; throws naming `what` on either failure.
void run_until(net::io_context& ioc, const bool& done, const beast::error_code& ec,
               std::chrono::milliseconds timeout, const char* what) {
    ioc.restart();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done && std::chrono::steady_clock::now() < deadline)
        ioc.run_one_until(deadline);
    if (!done) throw std::runtime_error(std::string(what) + ": timed out");
    if (ec) throw std::runtime_error(std::string(what) + ": " + ec.message());
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

} // namespace

struct HttpClient::Impl {
    net::io_context ioc;
    tcp::socket socket{ioc};
    beast::flat_buffer buffer;
    std::chrono::milliseconds timeout;
};

HttpClient::HttpClient(std::uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
    impl_->timeout = timeout;
    bool done = false;
    beast::error_code result;
    impl_->socket.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                                [&](beast::error_code ec) {
                                    result = ec;
                                    done = true;
                                });
    run_until(impl_->ioc, done, result, timeout, "connect");
}

HttpClient::~HttpClient() = default;

HttpResult HttpClient::request(const std::string& method, const std::string& target,
                               const Headers& headers, const std::string& body) {
    http::request<http::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [name, value] : headers) req.set(name, value);
    if (!body.empty() || method == "POST") {
        req.body() = body;
        req.prepare_payload();
    }

    bool done = false;
    beast::error_code result;
    http::async_write(impl_->socket, req, [&](beast::error_code ec, std::size_t) {
        result = ec;
        done = true;
    });
    run_until(impl_->ioc, done, result, impl_->timeout, "write request");

    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    if (method == "HEAD") parser.skip(true); // RFC 9110 9.3.2: no body follows
    done = false;
    http::async_read(impl_->socket, impl_->buffer, parser, [&](beast::error_code ec, std::size_t) {
        result = ec;
        done = true;
    });
    run_until(impl_->ioc, done, result, impl_->timeout, "read response");

    const auto& res = parser.get();
    HttpResult out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& field : res)
        out.headers[lower(std::string(field.name_string()))] = std::string(field.value());
    out.body = res.body();
    out.keep_alive = res.keep_alive();
    return out;
}

bool HttpClient::closed_by_server() {
    bool done = false;
    beast::error_code result;
    std::array<char, 256> scratch{};
    impl_->socket.async_read_some(net::buffer(scratch), [&](beast::error_code ec, std::size_t) {
        result = ec;
        done = true;
    });
    impl_->ioc.restart();
    impl_->ioc.run_for(impl_->timeout);
    return done && (result == net::error::eof || result == net::error::connection_reset);
}

HttpResult http_request(std::uint16_t port, const std::string& method, const std::string& target,
                        const Headers& headers, const std::string& body) {
    HttpClient client(port);
    return client.request(method, target, headers, body);
}

std::string raw_exchange(std::uint16_t port, const std::string& bytes,
                         std::chrono::milliseconds timeout) {
    net::io_context ioc;
    tcp::socket socket(ioc);
    bool done = false;
    beast::error_code result;
    socket.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                         [&](beast::error_code ec) {
                             result = ec;
                             done = true;
                         });
    run_until(ioc, done, result, timeout, "connect");
    done = false;
    net::async_write(socket, net::buffer(bytes), [&](beast::error_code ec, std::size_t) {
        result = ec;
        done = true;
    });
    // The server may answer and close before it has read everything (e.g. 431), which can
    // reset the write: that is not this helper's business, the answer is.
    run_until(ioc, done, beast::error_code{}, timeout, "write");

    std::string answer;
    net::dynamic_string_buffer buffer(answer);
    done = false;
    net::async_read(socket, buffer, [&](beast::error_code, std::size_t) { done = true; });
    run_until(ioc, done, beast::error_code{}, timeout, "read until close");
    return answer;
}

} // namespace tafel::player::test
