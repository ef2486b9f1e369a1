#include "player/detail/metrics.hpp"

#include <fmt/format.h>

namespace tafel::player::detail {

void Metrics::count_request(int status) noexcept {
    const std::size_t slot = status >= 100 && status < 600 ? static_cast<std::size_t>(status) : 0;
    by_status_[slot].fetch_add(1, std::memory_order_relaxed);
}

std::string Metrics::render(const std::map<storage::RecordingState, std::uint64_t>& recordings) const {
    std::string out;
    out += "# HELP tafel_player_http_requests_total HTTP requests answered, by status code.\n"
           "# TYPE tafel_player_http_requests_total counter\n";
    for (std::size_t status = 0; status < by_status_.size(); ++status) {
        const auto n = by_status_[status].load(std::memory_order_relaxed);
        if (n == 0) continue;
        out += fmt::format("tafel_player_http_requests_total{{code=\"{}\"}} {}\n",
                           status == 0 ? std::string("other") : std::to_string(status), n);
    }
    out += fmt::format("# HELP tafel_player_http_response_bytes_total Bytes of HTTP responses sent (headers and bodies).\n"
                       "# TYPE tafel_player_http_response_bytes_total counter\n"
                       "tafel_player_http_response_bytes_total {}\n",
                       bytes_sent_.load(std::memory_order_relaxed));
    out += fmt::format("# HELP tafel_player_open_connections HTTP connections open now.\n"
                       "# TYPE tafel_player_open_connections gauge\n"
                       "tafel_player_open_connections {}\n",
                       open_.load(std::memory_order_relaxed));
    out += "# HELP tafel_recordings Recordings in the catalog, by state.\n"
           "# TYPE tafel_recordings gauge\n";
    for (const auto& [state, n] : recordings)
        out += fmt::format("tafel_recordings{{state=\"{}\"}} {}\n", storage::to_string(state), n);
    return out;
}

} // namespace tafel::player::detail
