#pragma once
// One HTTP/1.1 connection (Beast's advanced server session): reads a request with a
// timeout and header/body limits, answers it through the Router, keeps the connection
// alive when the client wants, and ends on timeout, error or server stop.
#include <boost/asio/ip/tcp.hpp>

#include <memory>

namespace tafel::player::detail {

struct ServerState;

// Takes over the socket; the session keeps itself alive through its pending operations.
void start_http_session(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerState> state);

} // namespace tafel::player::detail
