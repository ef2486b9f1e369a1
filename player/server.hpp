#pragma once
// The playback server: list page, playback pages, media with Range, JSON API, health check.
// Boost.Beast stays behind the pimpl; callers see only this header.
#include "core/error.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace tafel::storage {
class Catalog;
class Layout;
} // namespace tafel::storage

namespace tafel::player {

struct ServerOptions {
    std::string address = "127.0.0.1";
    std::uint16_t port = 8080; // 0 = any free port; port() tells which after start()
    int threads = 1;           // io threads; every connection is serialised on its own strand
    // Shared with the portal that signs access tokens (docs/player.md, "Access"). Empty:
    // open access, as in the demo.
    std::string secret;
    // A request must arrive whole within this time, and each piece of a response must be
    // taken within it; otherwise the connection is closed. This ends idle keep-alive
    // connections and slowloris clients that trickle a request byte by byte alike.
    std::chrono::milliseconds idle_timeout{30'000};
    // Unix seconds for token expiry; empty = the system clock (tests set it).
    std::function<std::int64_t()> now;
};

class Server {
public:
    // Validates the options; binds nothing yet. `catalog` and `layout` must outlive the
    // server. Catalog calls are serialised by the server (one mutex), so a Catalog that is
    // not thread-safe is fine.
    static Result<std::unique_ptr<Server>> create(ServerOptions options, storage::Catalog& catalog,
                                                  const storage::Layout& layout);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds, listens and runs the io threads. Fails (Errc::network) naming the address when
    // the port cannot be bound; calling it twice fails with Errc::invalid_argument.
    Result<void> start();
    // Stops accepting, closes every open connection and joins the io threads. Idempotent;
    // the destructor calls it.
    void stop();
    // The bound port (the real one when options.port was 0); 0 before start().
    std::uint16_t port() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;

public:
    // Only members can name the private Impl, so only create() can call this; it is public
    // so that create() can use std::make_unique.
    explicit Server(std::unique_ptr<Impl> impl);
};

} // namespace tafel::player
