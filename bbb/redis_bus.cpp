#include "bbb/redis_bus.hpp"

#include "bbb/resp.hpp"
#include "core/log.hpp"

#include <boost/asio.hpp>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <thread>

namespace tafel::bbb {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

Error net_error(std::string_view what, const boost::system::error_code& ec) {
    return Error{Errc::network, fmt::format("redis: {}: {}", what, ec.message())};
}

// Reads until one whole RESP value is parsed (start-up only: blocking with the socket's own
// timeout is fine before the service thread runs).
Result<RespValue> read_value(tcp::socket& socket, RespParser& parser) {
    for (;;) {
        auto value = parser.next();
        if (!value) return std::unexpected(value.error());
        if (*value) return std::move(**value);
        char buf[4096];
        boost::system::error_code ec;
        const auto n = socket.read_some(asio::buffer(buf), ec);
        if (ec) return std::unexpected(net_error("read", ec));
        parser.feed(std::string_view(buf, n));
    }
}

Result<void> connect(asio::io_context& io, tcp::socket& socket, RespParser& parser, const RedisOptions& options) {
    boost::system::error_code ec;
    tcp::resolver resolver(io);
    const auto endpoints = resolver.resolve(options.host, std::to_string(options.port), ec);
    if (ec) return std::unexpected(net_error(fmt::format("resolve {}", options.host), ec));
    asio::connect(socket, endpoints, ec);
    if (ec) return std::unexpected(net_error(fmt::format("connect {}:{}", options.host, options.port), ec));
    socket.set_option(tcp::no_delay(true));
    if (!options.password.empty()) {
        asio::write(socket, asio::buffer(resp_command({"AUTH", options.password})), ec);
        if (ec) return std::unexpected(net_error("AUTH", ec));
        auto reply = read_value(socket, parser);
        if (!reply) return std::unexpected(reply.error());
        if (reply->kind == RespValue::Kind::error)
            return fail(Errc::network, fmt::format("redis: AUTH refused: {}", reply->text));
    }
    return {};
}

} // namespace

struct RedisBus::Impl {
    RedisOptions options;
    MessageSink on_message;
    LostSink on_lost;
    asio::io_context io;
    tcp::socket sub{io};
    tcp::socket pub{io};
    RespParser sub_parser;
    RespParser pub_parser;
    std::array<char, 16384> sub_buf{};
    std::array<char, 4096> pub_buf{};
    std::deque<std::string> out; // PUBLISH commands not yet written; front is in flight
    std::atomic<std::uint64_t> queued{0};
    std::atomic<std::uint64_t> acked{0};
    bool lost = false;
    std::thread thread;

    void report_lost(const Error& error) {
        if (lost) return;
        lost = true;
        log::get("bbb")->error("{}", error.message);
        if (on_lost) on_lost(error);
    }

    void read_sub() {
        sub.async_read_some(asio::buffer(sub_buf), [this](boost::system::error_code ec, std::size_t n) {
            if (ec) {
                if (ec != asio::error::operation_aborted) report_lost(net_error("subscription link", ec));
                return;
            }
            sub_parser.feed(std::string_view(sub_buf.data(), n));
            for (;;) {
                auto value = sub_parser.next();
                if (!value) return report_lost(value.error());
                if (!*value) break;
                // Pushes are ["message", channel, payload]; confirmations and pongs are ignored.
                const RespValue& v = **value;
                if (v.kind == RespValue::Kind::array && v.items.size() == 3 && v.items[0].text == "message" &&
                    v.items[1].text == options.subscribe_channel)
                    on_message(v.items[2].text);
            }
            read_sub();
        });
    }

    void read_pub() {
        pub.async_read_some(asio::buffer(pub_buf), [this](boost::system::error_code ec, std::size_t n) {
            if (ec) {
                if (ec != asio::error::operation_aborted) report_lost(net_error("publish link", ec));
                return;
            }
            pub_parser.feed(std::string_view(pub_buf.data(), n));
            for (;;) {
                auto value = pub_parser.next();
                if (!value) return report_lost(value.error());
                if (!*value) break;
                if ((*value)->kind == RespValue::Kind::error)
                    log::get("bbb")->warn("redis: PUBLISH refused: {}", (*value)->text);
                acked.fetch_add(1);
            }
            read_pub();
        });
    }

    void write_next() {
        if (out.empty()) return;
        asio::async_write(pub, asio::buffer(out.front()), [this](boost::system::error_code ec, std::size_t) {
            if (ec) {
                if (ec != asio::error::operation_aborted) report_lost(net_error("PUBLISH", ec));
                return;
            }
            out.pop_front();
            write_next();
        });
    }
};

RedisBus::RedisBus(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<RedisBus>> RedisBus::create(const RedisOptions& options, MessageSink on_message,
                                                   LostSink on_lost) {
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    impl->on_message = std::move(on_message);
    impl->on_lost = std::move(on_lost);
    if (auto r = connect(impl->io, impl->sub, impl->sub_parser, options); !r) return std::unexpected(r.error());
    if (auto r = connect(impl->io, impl->pub, impl->pub_parser, options); !r) return std::unexpected(r.error());
    boost::system::error_code ec;
    asio::write(impl->sub, asio::buffer(resp_command({"SUBSCRIBE", options.subscribe_channel})), ec);
    if (ec) return std::unexpected(net_error("SUBSCRIBE", ec));
    auto confirm = read_value(impl->sub, impl->sub_parser);
    if (!confirm) return std::unexpected(confirm.error());
    if (confirm->kind != RespValue::Kind::array || confirm->items.empty() || confirm->items[0].text != "subscribe")
        return fail(Errc::network, fmt::format("redis: SUBSCRIBE {} was not confirmed", options.subscribe_channel));
    auto bus = std::unique_ptr<RedisBus>(new RedisBus(std::move(impl)));
    Impl* i = bus->impl_.get();
    i->read_sub();
    i->read_pub();
    i->thread = std::thread([i] {
        auto guard = asio::make_work_guard(i->io);
        i->io.run();
    });
    return bus;
}

RedisBus::~RedisBus() {
    impl_->io.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
}

void RedisBus::publish(std::string payload) {
    std::string command = resp_command({"PUBLISH", impl_->options.publish_channel, payload});
    impl_->queued.fetch_add(1);
    asio::post(impl_->io, [i = impl_.get(), command = std::move(command)]() mutable {
        const bool idle = i->out.empty();
        i->out.push_back(std::move(command));
        if (idle) i->write_next();
    });
}

void RedisBus::post(std::function<void()> task) { asio::post(impl_->io, std::move(task)); }

std::uint64_t RedisBus::published() const { return impl_->acked.load(); }

bool RedisBus::drain(int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (impl_->acked.load() < impl_->queued.load()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

} // namespace tafel::bbb
