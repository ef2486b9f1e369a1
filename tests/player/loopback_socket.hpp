#pragma once
// A raw TCP connection to the player on 127.0.0.1, for tests that must control the socket
// itself (slow readers, half-sent requests) rather than speak HTTP through a client.
#include "core/unique_fd.hpp"

#include <cstdint>

namespace tafel::player::test {

// A blocking connection to 127.0.0.1:`port`. With `receive_buffer` > 0 SO_RCVBUF is set
// before connect, so the TCP window stays that small. Throws std::runtime_error when it
// cannot connect.
UniqueFd connect_loopback(std::uint16_t port, int receive_buffer = 0);

} // namespace tafel::player::test
