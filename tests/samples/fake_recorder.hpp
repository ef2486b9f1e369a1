#pragma once
// A fake of the recorder's control API (docs/architecture.md) for the simulator tests: answers
// the documented JSON, hands out the UDP ports the test chose and records every request.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tafel::samples::test {

struct RecordedRequest {
    std::string method, target, content_type, body;
};

class FakeRecorder {
public:
    // `stream_status` lets a test make "add stream" fail with that HTTP status.
    explicit FakeRecorder(std::vector<std::uint16_t> stream_ports, int stream_status = 201)
        : ports_(std::move(stream_ports)), stream_status_(stream_status),
          acceptor_(ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
        accept();
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~FakeRecorder() {
        ioc_.stop();
        thread_.join();
    }
    FakeRecorder(const FakeRecorder&) = delete;
    FakeRecorder& operator=(const FakeRecorder&) = delete;

    std::string url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }

    std::vector<RecordedRequest> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }

private:
    using tcp = boost::asio::ip::tcp;
    struct Connection {
        explicit Connection(tcp::socket s) : socket(std::move(s)) {}
        tcp::socket socket;
        boost::beast::flat_buffer buffer;
        boost::beast::http::request<boost::beast::http::string_body> request;
        boost::beast::http::response<boost::beast::http::string_body> response;
    };

    void accept() {
        acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
            if (ec) return;
            auto c = std::make_shared<Connection>(std::move(socket));
            boost::beast::http::async_read(c->socket, c->buffer, c->request,
                                           [this, c](boost::system::error_code ec2, std::size_t) {
                                               if (!ec2) respond(c);
                                           });
            accept();
        });
    }

    void respond(const std::shared_ptr<Connection>& c) {
        namespace http = boost::beast::http;
        const std::string method(c->request.method_string());
        const std::string target(c->request.target());
        {
            std::lock_guard lock(mutex_);
            requests_.push_back({method, target, std::string(c->request[http::field::content_type]), c->request.body()});
        }
        auto [status, body] = answer(method, target, c->request.body());
        c->response.result(status);
        c->response.version(11);
        c->response.set(http::field::content_type, "application/json");
        c->response.body() = body.dump();
        c->response.prepare_payload();
        http::async_write(c->socket, c->response, [c](boost::system::error_code, std::size_t) {
            boost::system::error_code ignored;
            c->socket.shutdown(tcp::socket::shutdown_both, ignored);
        });
    }

    std::pair<int, nlohmann::json> answer(const std::string& method, const std::string& target, const std::string& body) {
        const std::string session = "/api/v1/sessions/rec-1";
        if (method != "POST") return {405, {{"error", "method"}}};
        if (target == "/api/v1/sessions") return {201, {{"id", "rec-1"}}};
        if (target == session + "/streams") {
            if (stream_status_ != 201) return {stream_status_, {{"error", "codec: not supported"}}};
            const std::size_t n = ++streams_;
            if (n > ports_.size()) return {409, {{"error", "no more ports"}}};
            return {201, {{"track", "t" + std::to_string(n)}, {"port", ports_[n - 1]}}};
        }
        if (target.starts_with(session + "/decks?name=")) return {201, {{"deck", "d1"}, {"pages", 6}}};
        if (target == session + "/events") {
            auto j = nlohmann::json::parse(body, nullptr, false);
            if (j.is_discarded()) return {400, {{"error", "body: not JSON"}}};
            return {202, {{"accepted", j.is_array() ? j.size() : 1}}};
        }
        if (target == session + "/stop") return {200, {{"id", "rec-1"}, {"state", "stopped"}}};
        return {404, {{"error", "no route " + target}}};
    }

    std::vector<std::uint16_t> ports_;
    int stream_status_;
    std::size_t streams_ = 0; // only touched on the io thread
    boost::asio::io_context ioc_;
    tcp::acceptor acceptor_;
    mutable std::mutex mutex_;
    std::vector<RecordedRequest> requests_;
    std::thread thread_;
};

} // namespace tafel::samples::test
