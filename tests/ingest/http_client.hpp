#pragma once
// A plain Beast HTTP client for the recorder tests: one connection per request, and a
// bounded poll for conditions that UDP makes asynchronous.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <thread>

namespace tafel::ingest::test {

struct HttpReply {
    int status = 0;
    std::string content_type;
    std::string text;
    nlohmann::json json() const { return nlohmann::json::parse(text, nullptr, false); }
};

inline HttpReply http_request(std::uint16_t port, boost::beast::http::verb verb, const std::string& target,
                              const std::string& body = {}, const std::string& signature = {}) {
    namespace http = boost::beast::http;
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket socket(io);
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    http::request<http::string_body> req(verb, target, 11);
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::content_type, "application/json");
    if (!signature.empty()) req.set("X-Tafel-Signature", signature);
    req.body() = body;
    req.prepare_payload();
    http::write(socket, req);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(socket, buffer, res);
    return HttpReply{static_cast<int>(res.result_int()), std::string(res[http::field::content_type]), res.body()};
}

inline HttpReply http_get(std::uint16_t port, const std::string& target) {
    return http_request(port, boost::beast::http::verb::get, target);
}
inline HttpReply http_post(std::uint16_t port, const std::string& target, const nlohmann::json& body) {
    return http_request(port, boost::beast::http::verb::post, target, body.dump());
}

// Polls `condition` every 10 ms for up to `limit`: UDP delivery is asynchronous.
template <typename F>
bool wait_until(F condition, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return condition();
}

} // namespace tafel::ingest::test
