#pragma once
// A small Beast HTTP/1.1 client for the player's tests: real TCP, every operation bounded
// by a timeout (the io_context runs for at most that long), so a hung server fails the test
// instead of hanging it.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tafel::player::test {

struct HttpResult {
    int status = 0;
    std::map<std::string, std::string> headers; // names lowercased
    std::string body;
    bool keep_alive = false;

    std::string header(const std::string& lower_name) const {
        auto it = headers.find(lower_name);
        return it == headers.end() ? std::string{} : it->second;
    }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// One connection; several requests may go over it (keep-alive).
class HttpClient {
public:
    explicit HttpClient(std::uint16_t port,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // Sends `target` exactly as given (no normalisation of "..", unlike browsers and curl).
    // Throws std::runtime_error on timeout or a network error.
    HttpResult request(const std::string& method, const std::string& target,
                       const Headers& headers = {}, const std::string& body = {});

    // True when the server closed the connection (read returns EOF) within the timeout.
    bool closed_by_server();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// One request on a fresh connection.
HttpResult http_request(std::uint16_t port, const std::string& method, const std::string& target,
                        const Headers& headers = {}, const std::string& body = {});

// Writes `bytes` as they are and returns everything the server answers until it closes.
std::string raw_exchange(std::uint16_t port, const std::string& bytes,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10));

} // namespace tafel::player::test
