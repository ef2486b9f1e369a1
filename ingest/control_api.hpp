#pragma once
// The recorder's HTTP/1.1 endpoint (Boost.Beast, in the .cpp only): accepts connections on
// the io_context's thread, reads one request at a time with a body limit and a timeout, and
// hands it to a handler that answers with a status and a JSON body. Routing lives in the
// handler (recorder.cpp); this file knows HTTP, not sessions.
#include "core/error.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace tafel::ingest {

struct HttpRequest {
    std::string method;        // "GET", "POST", …
    std::string target;        // path and query, as sent
    std::string content_type;
    std::string body;
    std::string signature;     // the X-Tafel-Signature header (core/hmac.hpp), if any
};

struct HttpResponse {
    int status = 200;
    std::string body;          // JSON unless content_type says otherwise
    std::string content_type = "application/json";
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class ControlApi {
public:
    // Binds and listens on address:port (0 = any free port). Errc::network naming the
    // address when that fails.
    static Result<std::unique_ptr<ControlApi>> create(boost::asio::io_context& io, const std::string& address,
                                                      std::uint16_t port, HttpHandler handler,
                                                      std::size_t body_limit);
    ~ControlApi();
    ControlApi(const ControlApi&) = delete;
    ControlApi& operator=(const ControlApi&) = delete;

    void start();              // begins accepting (on the io_context's thread)
    void close();              // stops accepting; open connections end with their request
    std::uint16_t port() const;

    struct Impl;
    explicit ControlApi(std::shared_ptr<Impl> impl);   // by create()

private:
    std::shared_ptr<Impl> impl_;
};

} // namespace tafel::ingest
