#include "player/detail/connection_registry.hpp"

#include <vector>

namespace tafel::player::detail {

std::optional<std::uint64_t> ConnectionRegistry::add(std::weak_ptr<Connection> connection) {
    std::lock_guard lock(mutex_);
    if (stopping_ || open_.size() >= limit_) return std::nullopt;
    const std::uint64_t ticket = next_++;
    open_.emplace(ticket, std::move(connection));
    return ticket;
}

void ConnectionRegistry::remove(std::uint64_t ticket) {
    std::lock_guard lock(mutex_);
    open_.erase(ticket);
}

void ConnectionRegistry::close_all() {
    std::vector<std::shared_ptr<Connection>> live;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        for (auto& [ticket, weak] : open_)
            if (auto strong = weak.lock()) live.push_back(std::move(strong));
    }
    // Outside the lock: dropping the last reference runs a destructor that calls remove().
    for (auto& connection : live) connection->close();
}

std::size_t ConnectionRegistry::size() const {
    std::lock_guard lock(mutex_);
    return open_.size();
}

} // namespace tafel::player::detail
