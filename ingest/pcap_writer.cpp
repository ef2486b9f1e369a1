#include "ingest/pcap_writer.hpp"

#include "core/log.hpp"
#include "ingest/byte_order.hpp"
#include "ingest/pcap_format.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace tafel::ingest {

namespace {

// The file is written little-endian; readers detect the byte order from the magic.
void put_le16(std::vector<std::uint8_t>& b, std::uint16_t v) {
    b.push_back(static_cast<std::uint8_t>(v));
    b.push_back(static_cast<std::uint8_t>(v >> 8));
}
void put_le32(std::vector<std::uint8_t>& b, std::uint32_t v) {
    put_le16(b, static_cast<std::uint16_t>(v));
    put_le16(b, static_cast<std::uint16_t>(v >> 16));
}

// RFC 791 3.1 / RFC 1071: one's complement of the one's complement sum of 16-bit words.
std::uint16_t ipv4_checksum(const std::uint8_t* h, std::size_t n) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < n; i += 2) sum += be::load16(h + i);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

Result<void> write_all(int fd, const std::uint8_t* data, std::size_t n, int& err) {
    while (n > 0) {
        const ssize_t w = ::write(fd, data, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            err = errno;
            return std::unexpected(Error{});
        }
        data += w;
        n -= static_cast<std::size_t>(w);
    }
    return {};
}

constexpr std::size_t k_buffer_limit = 1 << 20;   // write out beyond 1 MiB between flushes

} // namespace

PcapWriter::PcapWriter(std::filesystem::path path, std::filesystem::path tmp, UniqueFd fd, ClockAnchor anchor,
                       std::uint64_t size)
    : path_(std::move(path)), tmp_path_(std::move(tmp)), fd_(std::move(fd)), anchor_(anchor), file_size_(size) {}

Error PcapWriter::io_error(const char* what, int err) const {
    const Errc code = (err == ENOSPC || err == EDQUOT) ? Errc::no_space : Errc::io;
    return Error{code, fmt::format("{} {}: {}", what, tmp_path_.string(), std::strerror(err))};
}

Result<PcapWriter> PcapWriter::create(const std::filesystem::path& path, const ClockAnchor& anchor) {
    std::filesystem::path tmp = path;
    tmp += ".tmp";
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) {
        const int err = errno;
        return fail(err == ENOSPC || err == EDQUOT ? Errc::no_space : Errc::io,
                    fmt::format("create {}: {}", tmp.string(), std::strerror(err)));
    }
    std::vector<std::uint8_t> header;
    put_le32(header, pcap::k_magic_ns);
    put_le16(header, pcap::k_version_major);
    put_le16(header, pcap::k_version_minor);
    put_le32(header, 0);   // thiszone
    put_le32(header, 0);   // sigfigs
    put_le32(header, pcap::k_snaplen);
    put_le32(header, pcap::k_linktype_raw);
    PcapWriter w(path, tmp, std::move(fd), anchor, 0);
    int err = 0;
    if (!write_all(w.fd_.get(), header.data(), header.size(), err)) return std::unexpected(w.io_error("write", err));
    if (::fsync(w.fd_.get()) != 0) return std::unexpected(w.io_error("fsync", errno));
    w.file_size_ = header.size();
    return w;
}

PcapWriter::~PcapWriter() {
    if (!fd_) return;
    if (auto r = close(); !r) log::get("ingest")->warn("closing pcap: {}", r.error().describe());
}

void PcapWriter::encode_record(std::vector<std::uint8_t>& out, const ClockAnchor& anchor, std::uint16_t ip_id,
                               ArrivalTime arrival, const UdpEndpoint& source, const UdpEndpoint& destination,
                               Bytes datagram) {
    const std::int64_t wall_ns = anchor.wall_ns(arrival);
    const std::size_t ip_len = pcap::k_ipv4_header + pcap::k_udp_header + datagram.size();
    put_le32(out, static_cast<std::uint32_t>(wall_ns / 1'000'000'000));
    put_le32(out, static_cast<std::uint32_t>(wall_ns % 1'000'000'000));
    put_le32(out, static_cast<std::uint32_t>(ip_len));
    put_le32(out, static_cast<std::uint32_t>(ip_len));

    // RFC 791 3.1 IPv4 header, no options, DF set, protocol 17 (UDP).
    std::uint8_t ip[pcap::k_ipv4_header] = {0x45, 0};
    be::store16(ip + 2, static_cast<std::uint16_t>(ip_len));
    be::store16(ip + 4, ip_id);
    be::store16(ip + 6, 0x4000);
    ip[8] = 64;
    ip[9] = 17;
    std::memcpy(ip + 12, source.ipv4.data(), 4);
    std::memcpy(ip + 16, destination.ipv4.data(), 4);
    be::store16(ip + 10, ipv4_checksum(ip, sizeof ip));
    // RFC 768: checksum 0 means "not computed", allowed over IPv4.
    std::uint8_t udp[pcap::k_udp_header] = {};
    be::store16(udp + 0, source.port);
    be::store16(udp + 2, destination.port);
    be::store16(udp + 4, static_cast<std::uint16_t>(pcap::k_udp_header + datagram.size()));
    out.insert(out.end(), ip, ip + sizeof ip);
    out.insert(out.end(), udp, udp + sizeof udp);
    out.insert(out.end(), datagram.begin(), datagram.end());
}

Result<void> PcapWriter::append(ArrivalTime arrival, const UdpEndpoint& source, const UdpEndpoint& destination,
                                Bytes datagram) {
    if (!fd_) return fail(Errc::invalid_argument, fmt::format("append to closed pcap {}", path_.string()));
    if (datagram.size() > pcap::k_max_datagram) {
        return fail(Errc::invalid_argument,
                    fmt::format("datagram of {} bytes does not fit an IPv4 packet ({})", datagram.size(),
                                path_.string()));
    }
    encode_record(buffer_, anchor_, ip_id_++, arrival, source, destination, datagram);
    ++records_;
    if (buffer_.size() >= k_buffer_limit) return write_buffer();
    return {};
}

Result<void> PcapWriter::write_records(const std::vector<std::uint8_t>& bytes, std::uint64_t records) {
    if (!fd_) return fail(Errc::invalid_argument, fmt::format("write to closed pcap {}", path_.string()));
    if (auto r = write_buffer(); !r) return r;
    int err = 0;
    if (!write_all(fd_.get(), bytes.data(), bytes.size(), err)) {
        if (::ftruncate(fd_.get(), static_cast<off_t>(file_size_)) == 0) {
            ::lseek(fd_.get(), static_cast<off_t>(file_size_), SEEK_SET);
        }
        return std::unexpected(io_error("write", err));
    }
    file_size_ += bytes.size();
    records_ += records;
    return {};
}

Result<void> PcapWriter::sync() {
    if (!fd_) return {};
    if (::fdatasync(fd_.get()) != 0) return std::unexpected(io_error("fdatasync", errno));
    return {};
}

Result<void> PcapWriter::write_buffer() {
    if (buffer_.empty()) return {};
    int err = 0;
    if (!write_all(fd_.get(), buffer_.data(), buffer_.size(), err)) {
        // Cut a partly written record off so that the file stays whole records.
        if (::ftruncate(fd_.get(), static_cast<off_t>(file_size_)) == 0) {
            ::lseek(fd_.get(), static_cast<off_t>(file_size_), SEEK_SET);
        }
        buffer_.clear();
        return std::unexpected(io_error("write", err));
    }
    file_size_ += buffer_.size();
    buffer_.clear();
    return {};
}

Result<void> PcapWriter::flush() {
    if (!fd_) return {};
    if (auto r = write_buffer(); !r) return r;
    if (::fdatasync(fd_.get()) != 0) return std::unexpected(io_error("fdatasync", errno));
    return {};
}

Result<void> PcapWriter::close() {
    if (!fd_) return {};
    auto flushed = flush();
    const int fd = fd_.release();
    if (::close(fd) != 0 && flushed) flushed = std::unexpected(io_error("close", errno));
    std::error_code ec;
    std::filesystem::rename(tmp_path_, path_, ec);
    if (ec) {
        return fail(Errc::io, fmt::format("rename {} to {}: {}", tmp_path_.string(), path_.string(), ec.message()));
    }
    // The rename is durable only once the folder is synced (rename(2) alone may be lost).
    const auto parent = path_.has_parent_path() ? path_.parent_path() : std::filesystem::path(".");
    if (UniqueFd dir(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)); dir) ::fsync(dir.get());
    return flushed;
}

} // namespace tafel::ingest
