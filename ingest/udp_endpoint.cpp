#include "ingest/udp_endpoint.hpp"

#include <fmt/format.h>

namespace tafel::ingest {

std::string UdpEndpoint::to_string() const {
    return fmt::format("{}.{}.{}.{}:{}", ipv4[0], ipv4[1], ipv4[2], ipv4[3], port);
}

} // namespace tafel::ingest
