#include "ingest/udp_receiver.hpp"

#include "core/log.hpp"
#include "ingest/disk_writer.hpp"
#include "ingest/media_thread.hpp"
#include "ingest/pcap_format.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstring>
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

// Reads per wake-up before yielding to the thread's other sockets (fairness under load).
constexpr int k_batches_per_wakeup = 4;

} // namespace

// One bound socket of a stream: the media port, or the separate RTCP port (RFC 3550 11).
struct ReceivePort {
    explicit ReceivePort(net::io_context& io) : socket(io) {}
    udp::socket socket;
    UdpEndpoint local;
    udp::endpoint sender;    // of the last datagram
    UdpEndpoint sender_pcap; // the same as written into records
};

// Shared with the pending wait handler: a cancelled wait completes after close(), and must
// find the object alive. Everything here runs on the owning media thread.
struct UdpReceiver::Impl : FlushTarget, std::enable_shared_from_this<Impl> {
    Impl(MediaThread& t, std::string tag, const ReceiverOptions& o, std::uint32_t own_ssrc)
        : thread(t), media(t.io()), log_tag(std::move(tag)), options(o), ssrc(own_ssrc) {
        stats.rtp = RtpStreamStats(options.clock_rate);
        if (options.video) {
            keyframes.emplace(KeyframeRequester::Options{.codec = options.codec});
        }
    }

    MediaThread& thread;
    ReceivePort media;
    std::unique_ptr<ReceivePort> rtcp_side; // without rtcp-mux: RTCP on its own port, same pcap
    std::shared_ptr<TrackFile> file;
    std::vector<std::uint8_t> records;    // encoded, not yet handed to the disk writer
    std::uint64_t record_count = 0;
    std::uint16_t ip_id = 0;
    std::string log_tag;
    ReceiverOptions options;
    ReceiverStats stats;
    std::uint32_t ssrc;                   // ours, as the sender of PLIs (RFC 4585 6.1)
    std::uint8_t fir_sequence = 0;        // RFC 5104 4.3.1.1: incremented per new request
    std::optional<KeyframeRequester> keyframes;   // video only
    log::RateLimit warn_limit;
    std::array<log::RateLimit, k_drop_reasons> drop_limits;   // one log line per reason and interval
    bool closed = false;
    bool recordable = true;
    bool paused = false;
    bool registered = false;

    void receive(ReceivePort& port) {
        port.socket.async_wait(udp::socket::wait_read,
                               [self = shared_from_this(), &port](const boost::system::error_code& ec) {
                                   if (ec == net::error::operation_aborted || self->closed) return;
                                   if (!ec) self->drain(port);
                                   self->receive(port);
                               });
    }

    void drain(ReceivePort& port) {
        RecvArena& a = thread.arena();
        for (int round = 0; round < k_batches_per_wakeup; ++round) {
            a.reset(RecvArena::k_batch);
            const int n =
                ::recvmmsg(port.socket.native_handle(), a.messages.data(), RecvArena::k_batch, MSG_DONTWAIT, nullptr);
            if (n < 0) {
                if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                    warn(Error{Errc::network,
                               fmt::format("recvmmsg on port {}: {}", port.local.port, std::strerror(errno))});
                }
                return;
            }
            for (int i = 0; i < n; ++i) {
                const mmsghdr& m = a.messages[static_cast<std::size_t>(i)];
                udp::endpoint from;
                const std::size_t name_len = std::min<std::size_t>(m.msg_hdr.msg_namelen, from.capacity());
                std::memcpy(from.data(), m.msg_hdr.msg_name, name_len);
                from.resize(name_len);
                if (from != port.sender) {
                    port.sender = from;
                    port.sender_pcap = to_endpoint(from);
                }
                on_datagram(port, Bytes(static_cast<const std::uint8_t*>(m.msg_hdr.msg_iov->iov_base), m.msg_len));
            }
            if (static_cast<std::size_t>(n) < RecvArena::k_batch) return;
        }
    }

    void on_datagram(const ReceivePort& port, Bytes d) {
        const ArrivalTime arrival = arrival_now();
        if (!file || !recordable) {
            ++stats.not_recordable;   // privacy: never written, only counted
            return;
        }
        const DatagramCheck check = check_datagram(d);
        if (check.kind == DatagramCheck::Kind::drop) {
            on_drop(port, check.reason, d.size());
            return;
        }
        if (paused) {
            ++stats.paused;   // documented: media of a paused recording is not written
            return;
        }
        if (d.size() > pcap::k_max_datagram) {
            on_drop(port, DropReason::truncated, d.size());
            return;
        }
        const bool rtcp = check.kind == DatagramCheck::Kind::rtcp;
        PcapWriter::encode_record(records, file->anchor(), ip_id++, arrival, port.sender_pcap, port.local, d);
        ++record_count;
        ++stats.packets;
        stats.bytes += d.size();
        if (rtcp) {
            ++stats.rtcp_packets;
        } else {
            const auto update = stats.rtp.on_rtp(check.rtp.ssrc, check.rtp.sequence_number, check.rtp.timestamp, arrival);
            if (keyframes &&
                keyframes->on_rtp(check.rtp.ssrc, d.subspan(check.rtp.payload_offset, check.rtp.payload_size), update,
                                  stats.rtp, arrival)) {
                request_keyframe(check.rtp.ssrc);
            }
        }
    }

    void hand_over(WriteBatch& batch) override {
        if (record_count == 0 || !file) return;
        const std::size_t size = records.size();
        batch.push_back(WriteChunk{file, std::move(records), record_count, nullptr});
        records = {};
        records.reserve(size);   // the next interval is likely alike
        record_count = 0;
    }

    // Back to the address RTCP came from (symmetric RTCP, RFC 4961): the separate RTCP port's
    // sender once one was seen, else the address the media came from (rtcp-mux, or RTCP not
    // seen yet). A failure is only counted.
    void request_keyframe(std::uint32_t media_ssrc) {
        ReceivePort& via = rtcp_side && rtcp_side->sender.port() != 0 ? *rtcp_side : media;
        boost::system::error_code ec;
        if (options.fir) {
            const auto fir = build_fir(ssrc, media_ssrc, fir_sequence++);
            via.socket.send_to(net::buffer(fir), via.sender, 0, ec);
        } else {
            const auto pli = build_pli(ssrc, media_ssrc);
            via.socket.send_to(net::buffer(pli), via.sender, 0, ec);
        }
        if (ec) {
            warn(Error{Errc::network, fmt::format("sending {} to {}:{}: {}", options.fir ? "FIR" : "PLI",
                                                  via.sender.address().to_string(), via.sender.port(), ec.message())});
            return;
        }
        ++(options.fir ? stats.firs_sent : stats.plis_sent);
    }

    void on_drop(const ReceivePort& port, DropReason reason, std::size_t size) {
        const auto i = static_cast<std::size_t>(reason);
        ++stats.dropped[i];
        std::uint64_t suppressed = 0;
        if (drop_limits[i].allow(suppressed)) {
            log::get("ingest")->warn("{}: dropped a {}-byte datagram on port {} from {}:{}: {} ({} more suppressed)",
                                     log_tag, size, port.local.port, port.sender.address().to_string(),
                                     port.sender.port(), to_string(reason), suppressed);
        }
    }

    void warn(const Error& e) {
        std::uint64_t suppressed = 0;
        if (warn_limit.allow(suppressed)) {
            log::get("ingest")->warn("{}: {} ({} more suppressed)", log_tag, e.describe(), suppressed);
        }
    }

    ReceiverStats snapshot() const {
        ReceiverStats s = stats;
        if (file) {
            s.write_errors = file->failed();
            s.packets -= std::min(s.packets, s.write_errors);
            s.synced = file->synced();
        }
        return s;
    }
};

UdpReceiver::UdpReceiver(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

UdpReceiver::~UdpReceiver() {
    if (auto r = close(); !r) log::get("ingest")->warn("{}: {}", impl_->log_tag, r.error().describe());
}

namespace {

Result<void> bind_port(ReceivePort& p, const net::ip::address& addr, const std::string& address, std::uint16_t port,
                       int buffer_bytes) {
    boost::system::error_code ec;
    const udp::endpoint endpoint(addr, port);
    p.socket.open(endpoint.protocol(), ec);
    if (!ec) p.socket.bind(endpoint, ec);
    if (ec) return fail(Errc::network, fmt::format("bind UDP {}:{}: {}", address, port, ec.message()));
    p.socket.set_option(net::socket_base::receive_buffer_size(buffer_bytes), ec);
    p.local = to_endpoint(p.socket.local_endpoint());
    if (p.local.ipv4 == std::array<std::uint8_t, 4>{0, 0, 0, 0}) p.local.ipv4 = {127, 0, 0, 1};
    return {};
}

} // namespace

Result<std::unique_ptr<UdpReceiver>> UdpReceiver::create(MediaThread& thread, const std::string& address,
                                                         std::uint16_t port, std::string log_tag,
                                                         ReceiverOptions options, std::uint16_t rtcp_port) {
    boost::system::error_code ec;
    const auto addr = net::ip::make_address(address, ec);
    if (ec) return fail(Errc::invalid_argument, fmt::format("listen address \"{}\": {}", address, ec.message()));
    auto impl = std::make_shared<Impl>(thread, std::move(log_tag), options, std::random_device{}());
    // Room for bursts (a keyframe is dozens of packets) between two reads of a busy thread.
    if (auto r = bind_port(impl->media, addr, address, port, 4 << 20); !r) return std::unexpected(r.error());
    if (rtcp_port != 0) {
        // RTCP is a few hundred bytes a second: the default buffer is plenty.
        impl->rtcp_side = std::make_unique<ReceivePort>(thread.io());
        if (auto r = bind_port(*impl->rtcp_side, addr, address, rtcp_port, 256 << 10); !r)
            return std::unexpected(r.error());
    }
    return std::make_unique<UdpReceiver>(std::move(impl));
}

void UdpReceiver::start(std::shared_ptr<TrackFile> file) {
    impl_->thread.run([&] {
        impl_->file = std::move(file);
        impl_->thread.add(impl_.get());
        impl_->registered = true;
        impl_->receive(impl_->media);
        if (impl_->rtcp_side) impl_->receive(*impl_->rtcp_side);
    });
}

void UdpReceiver::set_recordable(bool recordable) {
    impl_->thread.run([&] { impl_->recordable = recordable; });
}

void UdpReceiver::set_paused(bool paused) {
    impl_->thread.run([&] {
        // After a pause the decoder needs a key frame: the next delta frame asks for one.
        if (impl_->paused && !paused && impl_->keyframes) impl_->keyframes->expect_keyframe();
        impl_->paused = paused;
    });
}

void UdpReceiver::attach_file(std::shared_ptr<TrackFile> file) {
    impl_->thread.run([&] { impl_->file = std::move(file); });
}

bool UdpReceiver::has_file() const {
    bool has = false;
    impl_->thread.run([&] { has = impl_->file != nullptr; });
    return has;
}

std::future<Result<void>> UdpReceiver::close_async() {
    auto done = std::make_shared<std::promise<Result<void>>>();
    auto future = done->get_future();
    impl_->thread.run([&] {
        if (impl_->closed) {
            done->set_value({});
            return;
        }
        impl_->closed = true;
        boost::system::error_code ec;
        impl_->media.socket.close(ec);
        if (impl_->rtcp_side) impl_->rtcp_side->socket.close(ec);
        if (impl_->registered) impl_->thread.remove(impl_.get());
        if (!impl_->file) {
            done->set_value({});
            return;
        }
        WriteBatch batch;
        impl_->hand_over(batch);
        if (batch.empty()) batch.push_back(WriteChunk{impl_->file, {}, 0, nullptr});
        batch.back().close = done;
        impl_->thread.submit_now(batch);
    });
    return future;
}

Result<void> UdpReceiver::close() { return close_async().get(); }

std::uint16_t UdpReceiver::port() const { return impl_->media.local.port; }

std::uint16_t UdpReceiver::rtcp_port() const { return impl_->rtcp_side ? impl_->rtcp_side->local.port : 0; }

ReceiverStats UdpReceiver::stats() const {
    ReceiverStats s;
    impl_->thread.run([&] { s = impl_->snapshot(); });
    return s;
}

} // namespace tafel::ingest
