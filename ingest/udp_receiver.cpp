#include "ingest/udp_receiver.hpp"

#include "core/log.hpp"
#include "ingest/rtcp_packet.hpp"
#include "ingest/rtp_packet.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <fmt/format.h>

#include <array>
#include <memory>
#include <numeric>

namespace tafel::ingest {

namespace net = boost::asio;
using udp = net::ip::udp;

std::uint64_t ReceiverStats::dropped_total() const {
    return std::accumulate(dropped.begin(), dropped.end(), std::uint64_t{0},
                           [](std::uint64_t a, const auto& kv) { return a + kv.second; });
}

namespace {

UdpEndpoint to_endpoint(const udp::endpoint& e) {
    UdpEndpoint out;
    out.port = e.port();
    auto a = e.address();
    if (a.is_v6() && a.to_v6().is_v4_mapped()) a = net::ip::make_address_v4(net::ip::v4_mapped, a.to_v6());
    if (a.is_v4()) {
        out.ipv4 = a.to_v4().to_bytes();
    } else {
        out.ipv4 = {0, 0, 0, 0};   // the pcap format here is IPv4 only; the port stays right
    }
    return out;
}

// RFC 7983 3: demultiplexing by the first byte: 0-3 STUN, 20-63 DTLS, 128-191 RTP/RTCP.
const char* classify_non_media(std::uint8_t first) {
    if (first <= 3) return "stun";
    if (first >= 20 && first <= 63) return "dtls";
    return "not_rtp";
}

} // namespace

// Shared with the pending receive handler: a cancelled receive completes after close(), and
// must find the object alive.
struct UdpReceiver::Impl : std::enable_shared_from_this<Impl> {
    Impl(net::io_context& io, std::string tag) : socket(io), log_tag(std::move(tag)) {}

    udp::socket socket;
    std::optional<PcapWriter> writer;
    std::string log_tag;
    UdpEndpoint local;
    udp::endpoint sender;
    std::array<std::uint8_t, 65536> buffer{};
    ReceiverStats stats;
    log::RateLimit warn_limit;
    bool closed = false;

    void receive() {
        socket.async_receive_from(net::buffer(buffer), sender,
                                  [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                                      if (ec == net::error::operation_aborted || self->closed) return;
                                      if (!ec) self->on_datagram(Bytes(self->buffer.data(), n));
                                      self->receive();
                                  });
    }

    void on_datagram(Bytes d) {
        const ArrivalTime arrival = arrival_now();
        if (!writer) {
            ++stats.not_recordable;   // privacy: never written, only counted
            return;
        }
        bool rtcp = false;
        if (d.empty()) {
            ++stats.dropped["empty"];
            return;
        }
        if ((d[0] >> 6) != 2) {
            ++stats.dropped[classify_non_media(d[0])];
            return;
        }
        if (looks_like_rtcp(d)) {
            if (!RtcpCompound::parse(d)) {
                ++stats.dropped["malformed_rtcp"];
                return;
            }
            rtcp = true;
        } else if (!RtpPacket::parse(d)) {
            ++stats.dropped["malformed_rtp"];
            return;
        }
        if (auto r = writer->append(arrival, to_endpoint(sender), local, d); !r) {
            ++stats.write_errors;
            warn(r.error());
            return;
        }
        ++stats.packets;
        stats.bytes += d.size();
        if (rtcp) ++stats.rtcp_packets;
    }

    void warn(const Error& e) {
        std::uint64_t suppressed = 0;
        if (warn_limit.allow(suppressed)) {
            log::get("ingest")->warn("{}: {} ({} more suppressed)", log_tag, e.describe(), suppressed);
        }
    }
};

UdpReceiver::UdpReceiver(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

UdpReceiver::~UdpReceiver() {
    if (auto r = close(); !r) log::get("ingest")->warn("{}: {}", impl_->log_tag, r.error().describe());
}

Result<std::unique_ptr<UdpReceiver>> UdpReceiver::create(net::io_context& io, const std::string& address,
                                                         std::uint16_t port, std::string log_tag) {
    boost::system::error_code ec;
    const auto addr = net::ip::make_address(address, ec);
    if (ec) return fail(Errc::invalid_argument, fmt::format("listen address \"{}\": {}", address, ec.message()));
    auto impl = std::make_shared<Impl>(io, std::move(log_tag));
    const udp::endpoint endpoint(addr, port);
    impl->socket.open(endpoint.protocol(), ec);
    if (!ec) impl->socket.bind(endpoint, ec);
    if (ec) return fail(Errc::network, fmt::format("bind UDP {}:{}: {}", address, port, ec.message()));
    // Room for bursts (a keyframe is dozens of packets) while the thread writes to disk.
    impl->socket.set_option(net::socket_base::receive_buffer_size(4 << 20), ec);
    impl->local = to_endpoint(impl->socket.local_endpoint());
    if (impl->local.ipv4 == std::array<std::uint8_t, 4>{0, 0, 0, 0}) impl->local.ipv4 = {127, 0, 0, 1};
    return std::make_unique<UdpReceiver>(std::move(impl));
}

void UdpReceiver::start(std::optional<PcapWriter> writer) {
    impl_->writer = std::move(writer);
    impl_->receive();
}

Result<void> UdpReceiver::flush() {
    if (!impl_->writer || !impl_->writer->is_open()) return {};
    return impl_->writer->flush();
}

Result<void> UdpReceiver::close() {
    if (impl_->closed) return {};
    impl_->closed = true;
    boost::system::error_code ec;
    impl_->socket.close(ec);
    if (impl_->writer) return impl_->writer->close();
    return {};
}

std::uint16_t UdpReceiver::port() const { return impl_->local.port; }
const ReceiverStats& UdpReceiver::stats() const { return impl_->stats; }

} // namespace tafel::ingest
