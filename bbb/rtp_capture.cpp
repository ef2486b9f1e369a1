#include "bbb/rtp_capture.hpp"

#include "core/log.hpp"
#include "ingest/pcap_format.hpp"
#include "ingest/udp_endpoint.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace tafel::bbb {

namespace {

// The packets are taken after SRTP, inside webrtcbin, where no addresses travel
// with them: the pcap's IPv4/UDP headers are synthesized. The SFU side is
// 192.0.2.1 (RFC 5737 TEST-NET-1, "not a real host"), the recorder 127.0.0.1,
// both on port 5004; RTP and RTCP share it as on the wire (rtcp-mux, RFC 5761),
// which is how `tafel import` pairs them.
const ingest::UdpEndpoint k_sfu{{192, 0, 2, 1}, 5004};
const ingest::UdpEndpoint k_recorder{{127, 0, 0, 1}, 5004};

} // namespace

std::filesystem::path capture_path_for(const std::filesystem::path& webm) {
    std::filesystem::path p = webm;
    p.replace_extension(".pcap");
    return p;
}

RtpCapture::RtpCapture(std::filesystem::path path) : path_(std::move(path)), anchor_(ClockAnchor::now()) {}

RtpCapture::~RtpCapture() {
    if (auto r = close(); !r) log::get("bbb")->warn("closing capture: {}", r.error().describe());
}

void RtpCapture::record(ArrivalTime arrival, Direction direction, std::span<const std::uint8_t> datagram) {
    std::lock_guard lock(pending_mutex_);
    if (closed_) return;
    if (datagram.size() > ingest::pcap::k_max_datagram || pending_.size() + datagram.size() > k_max_pending) {
        ++dropped_;
        return;
    }
    const bool received = direction == Direction::received;
    ingest::PcapWriter::encode_record(pending_, anchor_, ip_id_++, arrival, received ? k_sfu : k_recorder,
                                      received ? k_recorder : k_sfu, datagram);
    ++pending_records_;
}

Result<void> RtpCapture::open() {
    std::lock_guard file_lock(file_mutex_);
    if (writer_) return {};
    {
        std::lock_guard lock(pending_mutex_);
        if (closed_) return fail(Errc::invalid_argument, fmt::format("open of closed capture {}", path_.string()));
    }
    auto w = ingest::PcapWriter::create(path_, anchor_);
    if (!w) return std::unexpected(w.error());
    // Pupils' faces and voices: the same 0600 as the WebM (PcapWriter creates
    // with the umask).
    if (::fchmod(w->fd(), 0600) != 0)
        return fail(Errc::io, fmt::format("chmod {}.tmp: {}", path_.string(), std::strerror(errno)));
    writer_.emplace(std::move(*w));
    return {};
}

Result<void> RtpCapture::flush() {
    std::lock_guard file_lock(file_mutex_);
    if (!writer_ || !writer_->is_open()) return {};
    std::uint64_t n = 0;
    {
        std::lock_guard lock(pending_mutex_);
        spare_.clear();
        std::swap(spare_, pending_);
        n = pending_records_;
        pending_records_ = 0;
        records_ += n;
    }
    if (n > 0) {
        if (auto r = writer_->write_records(spare_, n); !r) return r;
    }
    return writer_->sync();
}

Result<void> RtpCapture::close() {
    Result<void> flushed = flush();
    std::lock_guard file_lock(file_mutex_);
    {
        std::lock_guard lock(pending_mutex_);
        closed_ = true;
        pending_.clear();
        pending_.shrink_to_fit();
    }
    if (!writer_) return flushed;
    auto closed = writer_->close();
    writer_.reset();
    if (!flushed) return flushed;
    return closed;
}

std::uint64_t RtpCapture::records() const {
    std::lock_guard lock(pending_mutex_);
    return records_ + pending_records_;
}

std::uint64_t RtpCapture::dropped() const {
    std::lock_guard lock(pending_mutex_);
    return dropped_;
}

} // namespace tafel::bbb
