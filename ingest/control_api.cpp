#include "ingest/control_api.hpp"

#include "core/hmac.hpp"
#include "core/log.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include <chrono>
#include <optional>

namespace tafel::ingest {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

// A whole request must arrive within this; a slow or idle client cannot hold a connection.
constexpr auto k_request_timeout = std::chrono::seconds(30);

std::string error_json(const std::string& message) {
    // Minimal JSON string escaping for messages we write ourselves.
    std::string out = "{\"error\":\"";
    for (char c : message) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) {
            out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
            continue;
        }
        out += c;
    }
    return out + "\"}";
}

class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(tcp::socket socket, std::shared_ptr<const HttpHandler> handler, std::size_t body_limit)
        : stream_(std::move(socket)), handler_(std::move(handler)), body_limit_(body_limit) {}

    void read() {
        parser_.emplace();
        parser_->body_limit(body_limit_);
        stream_.expires_after(k_request_timeout);
        http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Connection::on_read, shared_from_this()));
    }

private:
    void on_read(beast::error_code ec, std::size_t) {
        if (ec == http::error::end_of_stream) {
            stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
            return;
        }
        if (ec == http::error::body_limit) {
            respond(413, error_json(fmt::format("body larger than {} bytes", body_limit_)), false, 11);
            return;
        }
        if (ec) return;   // timeout, reset: nothing to answer
        auto req = parser_->release();
        HttpRequest request{std::string(req.method_string()), std::string(req.target()),
                            std::string(req[http::field::content_type]), std::move(req.body()),
                            std::string(req[beast::string_view(k_signature_header.data(), k_signature_header.size())])};
        HttpResponse response;
        try {
            response = (*handler_)(request);
        } catch (const std::exception& e) {
            // Never let an exception out of an Asio handler (STYLE.md "Errors").
            log::get("ingest")->error("control API {} {}: {}", request.method, request.target, e.what());
            response = HttpResponse{500, error_json(fmt::format("internal error: {}", e.what()))};
        }
        respond(response.status, std::move(response.body), req.keep_alive(), req.version(), response.content_type);
    }

    void respond(int status, std::string body, bool keep_alive, unsigned version,
                 const std::string& content_type = "application/json") {
        response_ = http::response<http::string_body>(static_cast<http::status>(status), version);
        response_.set(http::field::server, "tafel-recorder");
        response_.set(http::field::content_type, content_type);
        response_.keep_alive(keep_alive);
        response_.body() = std::move(body);
        response_.prepare_payload();
        http::async_write(stream_, response_,
                          [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                              if (ec) return;
                              if (!keep_alive) {
                                  self->stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
                                  return;
                              }
                              self->read();
                          });
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http::response<http::string_body> response_;
    std::shared_ptr<const HttpHandler> handler_;
    std::size_t body_limit_;
};

} // namespace

struct ControlApi::Impl : std::enable_shared_from_this<Impl> {
    Impl(net::io_context& io, HttpHandler h, std::size_t limit)
        : acceptor(io), handler(std::make_shared<const HttpHandler>(std::move(h))), body_limit(limit) {}

    void accept() {
        acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
            if (!self->acceptor.is_open()) return;
            if (!ec) std::make_shared<Connection>(std::move(socket), self->handler, self->body_limit)->read();
            self->accept();
        });
    }

    tcp::acceptor acceptor;
    std::shared_ptr<const HttpHandler> handler;
    std::size_t body_limit;
    std::uint16_t port = 0;
};

ControlApi::ControlApi(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

ControlApi::~ControlApi() { close(); }

Result<std::unique_ptr<ControlApi>> ControlApi::create(net::io_context& io, const std::string& address,
                                                       std::uint16_t port, HttpHandler handler,
                                                       std::size_t body_limit) {
    beast::error_code ec;
    const auto addr = net::ip::make_address(address, ec);
    if (ec) return fail(Errc::invalid_argument, fmt::format("listen address \"{}\": {}", address, ec.message()));
    auto impl = std::make_shared<Impl>(io, std::move(handler), body_limit);
    const tcp::endpoint endpoint(addr, port);
    impl->acceptor.open(endpoint.protocol(), ec);
    if (!ec) impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) impl->acceptor.bind(endpoint, ec);
    if (!ec) impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return fail(Errc::network, fmt::format("control API on {}:{}: {}", address, port, ec.message()));
    impl->port = impl->acceptor.local_endpoint().port();
    return std::make_unique<ControlApi>(std::move(impl));
}

void ControlApi::start() { impl_->accept(); }

void ControlApi::close() {
    beast::error_code ec;
    impl_->acceptor.close(ec);
}

std::uint16_t ControlApi::port() const { return impl_->port; }

} // namespace tafel::ingest
