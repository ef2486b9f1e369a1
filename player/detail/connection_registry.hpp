#pragma once
// The open connections of a server, so that stop() can close them all and a flood of
// connections is bounded. Holds weak references only: a connection lives as long as its
// pending I/O does (Beast's session pattern).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace tafel::player::detail {

class Connection {
public:
    virtual ~Connection() = default;
    // Closes the socket from the connection's own strand; pending operations then end.
    virtual void close() = 0;
};

class ConnectionRegistry {
public:
    explicit ConnectionRegistry(std::size_t limit) : limit_(limit) {}

    // A ticket for remove(); std::nullopt when stopping or full (the caller closes).
    std::optional<std::uint64_t> add(std::weak_ptr<Connection> connection);
    void remove(std::uint64_t ticket);
    // Refuses new connections from now on and closes the open ones.
    void close_all();
    std::size_t size() const;

private:
    const std::size_t limit_;
    mutable std::mutex mutex_;
    std::unordered_map<std::uint64_t, std::weak_ptr<Connection>> open_;
    std::uint64_t next_ = 0;
    bool stopping_ = false;
};

} // namespace tafel::player::detail
