#include "player/detail/http_session.hpp"

#include "core/log.hpp"
#include "player/detail/file_slice_body.hpp"
#include "player/detail/http_date.hpp"
#include "player/detail/server_state.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <sys/sendfile.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <optional>

namespace tafel::player::detail {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

namespace {

// Only the owners' JSON actions carry a body, and a small one.
constexpr std::uint64_t k_body_limit = 16 * 1024;
constexpr std::uint32_t k_header_limit = 16 * 1024;

// One response being written, whatever its body type: the message and its serializer live
// together (the serializer refers to the message) and are written a piece at a time so
// that the idle timeout measures progress, not the length of a whole download.
class Outgoing {
public:
    virtual ~Outgoing() = default;
    virtual void write_some(beast::tcp_stream& stream,
                            std::function<void(beast::error_code, std::size_t)> done) = 0;
    virtual bool finished() = 0; // Beast 1.74: is_done() is not const
    virtual bool need_eof() const = 0;
};

template <class Body>
class OutgoingOf final : public Outgoing {
public:
    explicit OutgoingOf(http::response<Body>&& message)
        : message_(std::move(message)), serializer_(message_) {}
    void write_some(beast::tcp_stream& stream,
                    std::function<void(beast::error_code, std::size_t)> done) override {
        http::async_write_some(stream, serializer_, std::move(done));
    }
    bool finished() override { return serializer_.is_done(); }
    bool need_eof() const override { return message_.need_eof(); }

private:
    http::response<Body> message_;
    http::response_serializer<Body> serializer_;
};

// A file range on plain TCP: Beast writes the header, then sendfile(2) moves the bytes from
// the page cache to the socket without copying them through user space (the issue's "large
// files go out without copying"; nginx's `sendfile on`). The socket is non-blocking: when
// its buffer is full, an async_wait for writability takes over, bounded by the idle timeout
// (tcp_stream's own timer only guards Beast's operations, not a raw wait).
class OutgoingSendfile final : public Outgoing {
public:
    OutgoingSendfile(http::response<FileSliceBody>&& message, std::chrono::milliseconds idle)
        : message_(std::move(message)), serializer_(message_), idle_(idle) {
        position_ = message_.body().offset;
        remaining_ = message_.body().length;
    }

    void write_some(beast::tcp_stream& stream, std::function<void(beast::error_code, std::size_t)> done) override {
        if (!serializer_.is_header_done()) {
            http::async_write_header(stream, serializer_, std::move(done));
            return;
        }
        auto& socket = stream.socket();
        beast::error_code ec;
        if (!socket.non_blocking()) socket.non_blocking(true, ec);
        if (ec) return finish(stream, std::move(done), ec, 0);
        const std::size_t sent = send_now(socket.native_handle(), ec);
        if (ec || sent > 0) return finish(stream, std::move(done), ec, sent);
        // The socket buffer is full: wait until the peer has taken some, within the timeout.
        if (!timer_) timer_.emplace(stream.get_executor());
        timer_->expires_after(idle_);
        // The timer's handler holds the session (a copy of `done`) so that the socket it may
        // cancel is alive; the generation tells a late expiry from one meant for this wait.
        const std::uint64_t generation = ++generation_;
        timer_->async_wait([this, &socket, generation, keep = done](beast::error_code waited) {
            if (!waited && generation == generation_) socket.cancel(); // nothing taken for the idle time
        });
        socket.async_wait(net::socket_base::wait_write, [this, &socket, done = std::move(done)](beast::error_code werr) {
            ++generation_;
            timer_->cancel();
            if (werr == net::error::operation_aborted) werr = beast::error::timeout;
            beast::error_code serr = werr;
            const std::size_t more = werr ? 0 : send_now(socket.native_handle(), serr);
            done(serr, more);
        });
    }
    bool finished() override { return serializer_.is_header_done() && remaining_ == 0; }
    bool need_eof() const override { return message_.need_eof(); }

private:
    // Completes on the connection's strand without nesting the session's write loop.
    static void finish(beast::tcp_stream& stream, std::function<void(beast::error_code, std::size_t)> done,
                       beast::error_code ec, std::size_t sent) {
        net::post(stream.get_executor(), [done = std::move(done), ec, sent] { done(ec, sent); });
    }

    // As much as the socket takes now, up to 4 MiB (other connections on this thread get
    // their turn between chunks). 0 with no error: the socket would block.
    std::size_t send_now(int socket_fd, beast::error_code& ec) {
        constexpr std::uint64_t k_turn = 4u << 20;
        std::size_t sent = 0;
        while (remaining_ > 0 && sent < k_turn) {
            auto offset = static_cast<off_t>(position_);
            const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, k_turn - sent));
            const ssize_t n = ::sendfile(socket_fd, message_.body().fd.get(), &offset, want);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
            if (n < 0) {
                ec = beast::error_code(errno, boost::system::system_category());
                break;
            }
            if (n == 0) { // the file shrank under us: the promised length cannot be sent
                ec = boost::system::errc::make_error_code(boost::system::errc::io_error);
                break;
            }
            position_ += static_cast<std::uint64_t>(n);
            remaining_ -= static_cast<std::uint64_t>(n);
            sent += static_cast<std::size_t>(n);
        }
        return sent;
    }

    http::response<FileSliceBody> message_;
    http::response_serializer<FileSliceBody> serializer_;
    std::chrono::milliseconds idle_;
    std::uint64_t position_ = 0;
    std::uint64_t remaining_ = 0;
    std::optional<net::steady_timer> timer_;
    std::uint64_t generation_ = 0;
};

template <class Body>
void fill_header(http::response<Body>& res, const Reply& reply, bool keep_alive) {
    res.result(static_cast<unsigned>(reply.status));
    res.version(11);
    res.set(http::field::server, "tafel");
    // RFC 9110 6.6.1: an origin server with a clock sends Date.
    res.set(http::field::date,
            format_http_date(std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count()));
    for (const auto& [name, value] : reply.headers) res.set(name, value);
    res.keep_alive(keep_alive);
}

std::unique_ptr<Outgoing> to_outgoing(Reply&& reply, bool keep_alive, std::chrono::milliseconds idle) {
    // 304 has no content and no Content-Length of its own (RFC 9110 15.4.5); HEAD promises
    // the length the GET would send (9.3.2) without sending it.
    if (reply.status == 304 || reply.status == 204 || reply.head_only) {
        http::response<http::empty_body> res;
        fill_header(res, reply, keep_alive);
        if (reply.status != 304 && reply.status != 204) res.content_length(reply.body_size());
        return std::make_unique<OutgoingOf<http::empty_body>>(std::move(res));
    }
    if (reply.file) {
        http::response<FileSliceBody> res;
        fill_header(res, reply, keep_alive);
        res.body() = std::move(*reply.file);
        res.prepare_payload();
        return std::make_unique<OutgoingSendfile>(std::move(res), idle);
    }
    http::response<http::string_body> res;
    fill_header(res, reply, keep_alive);
    res.body() = std::move(reply.body);
    res.prepare_payload();
    return std::make_unique<OutgoingOf<http::string_body>>(std::move(res));
}

class HttpSession final : public Connection, public std::enable_shared_from_this<HttpSession> {
public:
    HttpSession(net::ip::tcp::socket socket, std::shared_ptr<ServerState> state)
        : stream_(std::move(socket)), state_(std::move(state)) {}

    ~HttpSession() override {
        if (ticket_) {
            state_->connections.remove(*ticket_);
            state_->router.metrics().connection_closed();
        }
    }

    void run() {
        ticket_ = state_->connections.add(weak_from_this());
        if (!ticket_) { // stopping, or too many connections: hang up at once
            beast::error_code ec;
            stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
            return;
        }
        state_->router.metrics().connection_opened();
        // The socket was accepted onto its own strand: start there.
        net::dispatch(stream_.get_executor(),
                      beast::bind_front_handler(&HttpSession::do_read, shared_from_this()));
    }

    void close() override {
        net::post(stream_.get_executor(), [self = shared_from_this()] {
            beast::error_code ec;
            self->stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
            self->stream_.close();
        });
    }

private:
    void do_read() {
        parser_.emplace();
        parser_->header_limit(k_header_limit);
        parser_->body_limit(k_body_limit);
        stream_.expires_after(state_->idle_timeout);
        http::async_read(stream_, buffer_, *parser_,
                         beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t) {
        if (ec == http::error::end_of_stream) return do_shutdown();
        if (ec == http::error::header_limit) return send_error(431, "request header too large");
        if (ec == http::error::body_limit) return send_error(413, "request body too large");
        if (ec == beast::error::timeout || ec == net::error::operation_aborted ||
            ec == net::error::connection_reset || ec == net::error::eof)
            return; // the client left or the server stops: nothing to answer
        if (ec && ec.category() == http::make_error_code(http::error::bad_target).category())
            return send_error(400, "malformed request: " + ec.message());
        if (ec) {
            log::get("player")->debug("read: {}", ec.message());
            return;
        }

        const auto& message = parser_->get();
        Request request;
        request.method = std::string(message.method_string());
        request.target = std::string(message.target());
        for (const auto& field : message)
            request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
        request.body = message.body();
        Reply reply = state_->router.handle(request);
        log::get("player")->debug("{} {} → {}", request.method, request.target, reply.status);
        const int status = reply.status;
        send(to_outgoing(std::move(reply), message.keep_alive(), state_->idle_timeout), status);
    }

    void send_error(int status, std::string text) {
        Reply reply = text_reply(status, std::move(text));
        send(to_outgoing(std::move(reply), /*keep_alive=*/false, state_->idle_timeout), status);
    }

    void send(std::unique_ptr<Outgoing> outgoing, int status) {
        state_->router.metrics().count_request(status);
        outgoing_ = std::move(outgoing);
        write_more();
    }

    void write_more() {
        stream_.expires_after(state_->idle_timeout);
        outgoing_->write_some(stream_,
                              beast::bind_front_handler(&HttpSession::on_write, shared_from_this()));
    }

    void on_write(beast::error_code ec, std::size_t bytes) {
        state_->router.metrics().count_bytes(bytes);
        if (ec) {
            if (ec != net::error::operation_aborted && ec != beast::error::timeout)
                log::get("player")->debug("write: {}", ec.message());
            return;
        }
        if (!outgoing_->finished()) return write_more();
        const bool eof = outgoing_->need_eof();
        outgoing_.reset();
        if (eof) return do_shutdown();
        do_read();
    }

    void do_shutdown() {
        beast::error_code ec;
        stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::unique_ptr<Outgoing> outgoing_;
    std::shared_ptr<ServerState> state_;
    std::optional<std::uint64_t> ticket_;
};

} // namespace

void start_http_session(net::ip::tcp::socket socket, std::shared_ptr<ServerState> state) {
    std::make_shared<HttpSession>(std::move(socket), std::move(state))->run();
}

} // namespace tafel::player::detail
