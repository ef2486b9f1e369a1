#include "ingest/udp_receiver.hpp"

#include "core/log.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <fmt/format.h>

#include <array>
#include <memory>
#include <numeric>
#include <random>

namespace tafel::ingest {

namespace net = boost::asio;
using udp = net::ip::udp;

std::uint64_t ReceiverStats::dropped_total() const {
    return std::accumulate(dropped.begin(), dropped.end(), std::uint64_t{0});
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

} // namespace

// Shared with the pending receive handler: a cancelled receive completes after close(), and
// must find the object alive.
struct UdpReceiver::Impl : std::enable_shared_from_this<Impl> {
    Impl(net::io_context& io, std::string tag, const ReceiverOptions& options, std::uint32_t own_ssrc)
        : socket(io), log_tag(std::move(tag)), ssrc(own_ssrc) {
        stats.rtp = RtpStreamStats(options.clock_rate);
        if (options.video) keyframes.emplace(KeyframeRequester::Options{.vp8 = options.vp8});
    }

    udp::socket socket;
    std::optional<PcapWriter> writer;
    std::string log_tag;
    UdpEndpoint local;
    udp::endpoint sender;
    std::array<std::uint8_t, 65536> buffer{};
    ReceiverStats stats;
    std::uint32_t ssrc;                            // ours, as the sender of PLIs (RFC 4585 6.1)
    std::optional<KeyframeRequester> keyframes;    // video only
    log::RateLimit warn_limit;
    std::array<log::RateLimit, k_drop_reasons> drop_limits;   // one log line per reason and interval
    bool closed = false;
    bool recordable = true;

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
        if (!writer || !recordable) {
            ++stats.not_recordable;   // privacy: never written, only counted
            return;
        }
        const DatagramCheck check = check_datagram(d);
        if (check.kind == DatagramCheck::Kind::drop) {
            on_drop(check.reason, d.size());
            return;
        }
        const bool rtcp = check.kind == DatagramCheck::Kind::rtcp;
        if (auto r = writer->append(arrival, to_endpoint(sender), local, d); !r) {
            ++stats.write_errors;
            warn(r.error());
            return;
        }
        ++stats.packets;
        stats.bytes += d.size();
        if (rtcp) {
            ++stats.rtcp_packets;
        } else {
            const auto update = stats.rtp.on_rtp(check.rtp.ssrc, check.rtp.sequence_number, check.rtp.timestamp, arrival);
            if (keyframes &&
                keyframes->on_rtp(check.rtp.ssrc, d.subspan(check.rtp.payload_offset, check.rtp.payload_size), update,
                                  stats.rtp, arrival)) {
                send_pli(check.rtp.ssrc);
            }
        }
    }

    // Back to the address the media came from: with symmetric RTP (RFC 4961) that is where
    // the sender listens for RTCP feedback. A 12-byte datagram; a failure is only counted.
    void send_pli(std::uint32_t media_ssrc) {
        const auto pli = build_pli(ssrc, media_ssrc);
        boost::system::error_code ec;
        socket.send_to(net::buffer(pli), sender, 0, ec);
        if (ec) {
            warn(Error{Errc::network, fmt::format("sending PLI to {}:{}: {}", sender.address().to_string(), sender.port(),
                                                  ec.message())});
            return;
        }
        ++stats.plis_sent;
    }

    void on_drop(DropReason reason, std::size_t size) {
        const auto i = static_cast<std::size_t>(reason);
        ++stats.dropped[i];
        std::uint64_t suppressed = 0;
        if (drop_limits[i].allow(suppressed)) {
            log::get("ingest")->warn("{}: dropped a {}-byte datagram from {}:{}: {} ({} more suppressed)", log_tag, size,
                                     sender.address().to_string(), sender.port(), to_string(reason), suppressed);
        }
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
                                                         std::uint16_t port, std::string log_tag,
                                                         ReceiverOptions options) {
    boost::system::error_code ec;
    const auto addr = net::ip::make_address(address, ec);
    if (ec) return fail(Errc::invalid_argument, fmt::format("listen address \"{}\": {}", address, ec.message()));
    auto impl = std::make_shared<Impl>(io, std::move(log_tag), options, std::random_device{}());
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

void UdpReceiver::set_recordable(bool recordable) { impl_->recordable = recordable; }
void UdpReceiver::attach_writer(PcapWriter writer) { impl_->writer = std::move(writer); }
bool UdpReceiver::has_writer() const { return impl_->writer.has_value(); }

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
