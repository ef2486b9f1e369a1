#include "player/server.hpp"

#include "core/log.hpp"
#include "player/detail/http_session.hpp"
#include "player/detail/server_state.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <fmt/format.h>

#include <csignal>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace tafel::player {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t k_max_connections = 1024;
// stop() lets open connections end cleanly for this long before it abandons them.
constexpr auto k_drain_timeout = std::chrono::seconds(5);

} // namespace

struct Server::Impl {
    Impl(ServerOptions o, storage::Catalog& catalog, const storage::Layout& layout)
        : options(std::move(o)),
          state(std::make_shared<detail::ServerState>(
              catalog, layout, detail::AccessOptions{options.secret, options.now}, k_max_connections,
              options.idle_timeout)) {}

    void do_accept();
    void on_accept(boost::system::error_code ec, tcp::socket socket);

    ServerOptions options;
    std::shared_ptr<detail::ServerState> state;
    // Declared after `state`: destroyed first, with every handler still holding a session.
    std::unique_ptr<net::io_context> ioc;
    std::unique_ptr<tcp::acceptor> acceptor;
    std::vector<std::thread> threads;
    std::uint16_t bound_port = 0;
    bool started = false;
    bool stopped = false;

    std::mutex run_mutex;
    std::condition_variable run_done;
    int running = 0;

    log::RateLimit accept_errors;
};

void Server::Impl::do_accept() {
    // Each connection gets its own strand: its handlers never run concurrently even with
    // several io threads (Beast's advanced server).
    acceptor->async_accept(net::make_strand(*ioc), [this](boost::system::error_code ec,
                                                          tcp::socket socket) {
        on_accept(ec, std::move(socket));
    });
}

void Server::Impl::on_accept(boost::system::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor->is_open()) return;
    if (ec) {
        // EMFILE and friends: keep serving the open connections and try again.
        std::uint64_t suppressed = 0;
        if (accept_errors.allow(suppressed))
            log::get("player")->warn("accept: {} ({} more suppressed)", ec.message(), suppressed);
    } else {
        detail::start_http_session(std::move(socket), state);
    }
    do_accept();
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { stop(); }

Result<std::unique_ptr<Server>> Server::create(ServerOptions options, storage::Catalog& catalog,
                                               const storage::Layout& layout) {
    if (options.threads < 1 || options.threads > 64)
        return fail(Errc::invalid_argument,
                    fmt::format("player threads must be 1..64, not {}", options.threads));
    boost::system::error_code ec;
    if (options.idle_timeout < std::chrono::milliseconds(10) || options.idle_timeout > std::chrono::hours(1))
        return fail(Errc::invalid_argument, fmt::format("player idle timeout must be 10 ms..1 h, not {} ms",
                                                        options.idle_timeout.count()));
    net::ip::make_address(options.address, ec);
    if (ec)
        return fail(Errc::invalid_argument,
                    fmt::format("player address '{}' is not an IP address", options.address));
    return std::make_unique<Server>(std::make_unique<Impl>(std::move(options), catalog, layout));
}

Result<void> Server::start() {
    Impl& m = *impl_;
    if (m.started) return fail(Errc::invalid_argument, "player server already started");
    // sendfile(2) to a socket the peer has closed raises SIGPIPE (it has no MSG_NOSIGNAL, and
    // Linux no SO_NOSIGPIPE), which would end the process; EPIPE is handled per connection.
    // Process-wide, as nginx does.
    ::signal(SIGPIPE, SIG_IGN);
    m.ioc = std::make_unique<net::io_context>(m.options.threads);
    m.acceptor = std::make_unique<tcp::acceptor>(net::make_strand(*m.ioc));

    const tcp::endpoint endpoint(net::ip::make_address(m.options.address), m.options.port);
    const auto where = fmt::format("{}:{}", m.options.address, m.options.port);
    boost::system::error_code ec;
    m.acceptor->open(endpoint.protocol(), ec);
    if (!ec) m.acceptor->set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) m.acceptor->bind(endpoint, ec);
    if (!ec) m.acceptor->listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
        m.acceptor.reset();
        m.ioc.reset();
        return fail(Errc::network, fmt::format("player cannot listen on {}: {}", where, ec.message()));
    }
    m.bound_port = m.acceptor->local_endpoint().port();
    m.started = true;

    net::dispatch(m.acceptor->get_executor(), [&m] { m.do_accept(); });
    m.running = m.options.threads;
    for (int i = 0; i < m.options.threads; ++i) {
        m.threads.emplace_back([&m] {
            m.ioc->run();
            std::lock_guard lock(m.run_mutex);
            --m.running;
            m.run_done.notify_all();
        });
    }
    log::get("player")->info("listening on http://{}:{}/", m.options.address, m.bound_port);
    return {};
}

void Server::stop() {
    Impl& m = *impl_;
    if (!m.started || m.stopped) return;
    m.stopped = true;

    // Stop accepting, then close every connection; the io threads run out of work and
    // return once the last handler has seen its operation aborted.
    net::post(m.acceptor->get_executor(), [&m] {
        boost::system::error_code ignored;
        m.acceptor->close(ignored);
    });
    m.state->connections.close_all();
    {
        std::unique_lock lock(m.run_mutex);
        if (!m.run_done.wait_for(lock, k_drain_timeout, [&m] { return m.running == 0; })) {
            log::get("player")->warn("connections did not close within {} s; abandoning them",
                                     k_drain_timeout.count());
            m.ioc->stop();
        }
    }
    for (auto& t : m.threads) t.join();
    m.threads.clear();
    m.acceptor.reset();
    // Destroys any handler still pending (and the session it holds) after ioc->stop().
    m.ioc.reset();
    log::get("player")->info("stopped");
}

std::uint16_t Server::port() const { return impl_->bound_port; }

} // namespace tafel::player
