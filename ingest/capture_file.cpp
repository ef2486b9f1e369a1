#include "ingest/capture_file.hpp"

#include "ingest/byte_order.hpp"

#include <fmt/format.h>

#include <cstring>

namespace tafel::ingest {

namespace {

constexpr std::uint32_t k_pcap_us = 0xa1b2c3d4;
constexpr std::uint32_t k_pcap_ns = 0xa1b23c4d;
constexpr std::uint32_t k_pcapng_shb = 0x0a0d0d0a;          // section header block type
constexpr std::uint32_t k_pcapng_byte_order = 0x1a2b3c4d;
constexpr std::uint32_t k_pcapng_idb = 1;                    // interface description
constexpr std::uint32_t k_pcapng_spb = 3;                    // simple packet
constexpr std::uint32_t k_pcapng_epb = 6;                    // enhanced packet
constexpr std::uint32_t k_max_block = 16u << 20;

// LINKTYPE_* values (tcpdump.org/linktypes.html).
constexpr std::uint32_t k_link_null = 0;
constexpr std::uint32_t k_link_ethernet = 1;
constexpr std::uint32_t k_link_raw = 101;
constexpr std::uint32_t k_link_sll = 113;
constexpr std::uint32_t k_link_loop = 108;
constexpr std::uint32_t k_link_ipv4 = 228;
constexpr std::uint32_t k_link_ipv6 = 229;
constexpr std::uint32_t k_link_sll2 = 276;

std::uint32_t le32(const std::uint8_t* p) {
    return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[3]} << 24);
}

std::size_t read_some(std::ifstream& in, std::uint8_t* data, std::size_t n) {
    in.read(reinterpret_cast<char*>(data), static_cast<std::streamsize>(n));
    return static_cast<std::size_t>(in.gcount());
}

} // namespace

CaptureFile::CaptureFile(std::filesystem::path path, std::unique_ptr<std::ifstream> in, bool pcapng)
    : path_(std::move(path)), in_(std::move(in)), pcapng_(pcapng) {}

std::uint32_t CaptureFile::u32(const std::uint8_t* p) const {
    const std::uint32_t v = le32(p);
    return swapped_ ? __builtin_bswap32(v) : v;
}

std::uint16_t CaptureFile::u16(const std::uint8_t* p) const {
    const auto v = static_cast<std::uint16_t>(p[0] | (p[1] << 8));
    return swapped_ ? static_cast<std::uint16_t>((v >> 8) | (v << 8)) : v;
}

Result<CaptureFile> CaptureFile::open(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return fail(Errc::not_found, fmt::format("capture {} does not exist", path.string()));
    auto in = std::make_unique<std::ifstream>(path, std::ios::binary);
    if (!*in) return fail(Errc::io, fmt::format("cannot open {}", path.string()));
    std::uint8_t h[24];
    if (read_some(*in, h, sizeof h) != sizeof h) {
        return fail(Errc::malformed_input, fmt::format("{}: shorter than a capture file header", path.string()));
    }
    const std::uint32_t magic = le32(h);
    if (magic == k_pcapng_shb) {
        in->seekg(0);   // the section header is read as the first block
        return CaptureFile(path, std::move(in), true);
    }
    CaptureFile f(path, std::move(in), false);
    if (magic == k_pcap_us || magic == k_pcap_ns) {
        f.nanoseconds_ = magic == k_pcap_ns;
    } else if (__builtin_bswap32(magic) == k_pcap_us || __builtin_bswap32(magic) == k_pcap_ns) {
        f.swapped_ = true;
        f.nanoseconds_ = __builtin_bswap32(magic) == k_pcap_ns;
    } else {
        return fail(Errc::malformed_input, fmt::format("{}: magic 0x{:08x} is neither pcap nor pcapng", path.string(), magic));
    }
    // The link type's low 16 bits; the upper ones carry FCS information (pcap section 4).
    f.linktype_ = f.u32(h + 20) & 0xffff;
    f.offset_ = sizeof h;
    return f;
}

Result<std::optional<CapturedDatagram>> CaptureFile::next() { return pcapng_ ? next_pcapng() : next_pcap(); }

Result<std::optional<CapturedDatagram>> CaptureFile::next_pcap() {
    for (;;) {
        std::uint8_t h[16];
        if (read_some(*in_, h, sizeof h) < sizeof h) return std::optional<CapturedDatagram>{};
        const std::uint32_t incl = u32(h + 8);
        if (incl > k_max_block) {
            return fail(Errc::malformed_input, fmt::format("{}: record at offset {} claims {} bytes", path_.string(), offset_, incl));
        }
        block_.resize(incl);
        if (read_some(*in_, block_.data(), incl) < incl) return std::optional<CapturedDatagram>{};
        offset_ += sizeof h + incl;
        CapturedDatagram d;
        const std::int64_t frac = u32(h + 4);
        d.wall_ns = std::int64_t{u32(h)} * 1'000'000'000 + (nanoseconds_ ? frac : frac * 1000);
        if (decode_frame(linktype_, block_.data(), incl, d)) return std::optional<CapturedDatagram>{std::move(d)};
    }
}

void CaptureFile::read_interface(const std::vector<std::uint8_t>& b) {
    Interface i;
    if (b.size() < 8) {
        interfaces_.push_back(i);
        return;
    }
    i.linktype = u16(b.data());
    // Options (pcapng 4.2): code, length, value padded to 4. if_tsresol (9): 10^-n or 2^-n.
    std::size_t off = 8;
    while (off + 4 <= b.size()) {
        const std::uint16_t code = u16(&b[off]);
        const std::uint16_t len = u16(&b[off + 2]);
        off += 4;
        if (code == 0 || off + len > b.size()) break;
        if (code == 9 && len >= 1) {
            const std::uint8_t r = b[off];
            const int n = r & 0x7f;
            std::int64_t units = 1;
            for (int k = 0; k < n && units < 1'000'000'000'000'000; ++k) units *= (r & 0x80) ? 2 : 10;
            i.units_per_second = units;
        }
        off += (len + 3u) & ~3u;
    }
    interfaces_.push_back(i);
}

Result<std::optional<CapturedDatagram>> CaptureFile::next_pcapng() {
    for (;;) {
        std::uint8_t h[8];
        if (read_some(*in_, h, sizeof h) < sizeof h) return std::optional<CapturedDatagram>{};
        const std::uint32_t type_le = le32(h);
        if (type_le == k_pcapng_shb) {
            // Section header: the byte-order magic decides how everything after it is read.
            std::uint8_t bom[4];
            if (read_some(*in_, bom, 4) < 4) return std::optional<CapturedDatagram>{};
            swapped_ = le32(bom) != k_pcapng_byte_order;
            if (swapped_ && __builtin_bswap32(le32(bom)) != k_pcapng_byte_order) {
                return fail(Errc::malformed_input, fmt::format("{}: bad pcapng byte-order magic at offset {}", path_.string(), offset_));
            }
            interfaces_.clear();
            const std::uint32_t total = u32(h + 4);
            if (total < 28 || total > k_max_block || total % 4 != 0) {
                return fail(Errc::malformed_input, fmt::format("{}: section header of {} bytes at offset {}", path_.string(), total, offset_));
            }
            block_.resize(total - 12);
            if (read_some(*in_, block_.data(), block_.size()) < block_.size()) return std::optional<CapturedDatagram>{};
            offset_ += total;
            continue;
        }
        const std::uint32_t type = u32(h);
        const std::uint32_t total = u32(h + 4);
        if (total < 12 || total > k_max_block || total % 4 != 0) {
            return fail(Errc::malformed_input, fmt::format("{}: block of {} bytes at offset {}", path_.string(), total, offset_));
        }
        block_.resize(total - 8);   // body + trailing length
        if (read_some(*in_, block_.data(), block_.size()) < block_.size()) return std::optional<CapturedDatagram>{};
        offset_ += total;
        std::vector<std::uint8_t> body(block_.begin(), block_.end() - 4);
        if (type == k_pcapng_idb) {
            read_interface(body);
        } else if (type == k_pcapng_epb && body.size() >= 20) {
            const std::uint32_t iface = u32(&body[0]);
            const std::uint32_t caplen = u32(&body[12]);
            if (iface >= interfaces_.size() || 20 + std::size_t{caplen} > body.size()) {
                ++skipped_;
                continue;
            }
            const Interface& i = interfaces_[iface];
            const std::uint64_t ts = (std::uint64_t{u32(&body[4])} << 32) | u32(&body[8]);
            CapturedDatagram d;
            const auto units = static_cast<std::uint64_t>(i.units_per_second);
            d.wall_ns = static_cast<std::int64_t>(ts / units * 1'000'000'000 + (ts % units) * 1'000'000'000 / units);
            if (decode_frame(i.linktype, &body[20], caplen, d)) return std::optional<CapturedDatagram>{std::move(d)};
        } else if (type == k_pcapng_spb && body.size() >= 4 && !interfaces_.empty()) {
            CapturedDatagram d;   // no timestamp in a simple packet block
            if (decode_frame(interfaces_[0].linktype, &body[4], body.size() - 4, d)) {
                return std::optional<CapturedDatagram>{std::move(d)};
            }
        }
    }
}

bool CaptureFile::decode_frame(std::uint32_t linktype, const std::uint8_t* p, std::size_t n, CapturedDatagram& out) {
    std::size_t off = 0;
    std::uint16_t ethertype = 0;   // 0: the IP version nibble decides
    switch (linktype) {
    case k_link_ethernet:
        if (n < 14) break;
        ethertype = be::load16(p + 12);
        off = 14;
        while ((ethertype == 0x8100 || ethertype == 0x88a8) && off + 4 <= n) {   // IEEE 802.1Q tags
            ethertype = be::load16(p + off + 2);
            off += 4;
        }
        break;
    case k_link_null:
    case k_link_loop:
        off = 4;   // an address family in host (or network, for LOOP) byte order: use the IP nibble
        break;
    case k_link_raw:
    case k_link_ipv4:
    case k_link_ipv6:
        break;
    case k_link_sll:
        if (n < 16) break;
        ethertype = be::load16(p + 14);
        off = 16;
        break;
    case k_link_sll2:
        if (n < 20) break;
        ethertype = be::load16(p);
        off = 20;
        break;
    default:
        ++skipped_;
        return false;
    }
    if (off >= n || (ethertype != 0 && ethertype != 0x0800 && ethertype != 0x86dd)) {
        ++skipped_;
        return false;
    }
    const std::uint8_t* ip = p + off;
    const std::size_t len = n - off;
    std::size_t udp = 0;
    std::size_t end = len;
    if ((ip[0] >> 4) == 4) {
        // RFC 791: IHL words of header; fragments cannot be reassembled here and are skipped.
        const std::size_t ihl = 4u * (ip[0] & 0x0f);
        if (ihl < 20 || len < ihl + 8 || ip[9] != 17 || (be::load16(ip + 6) & 0x3fff) != 0) {
            ++skipped_;
            return false;
        }
        end = std::min<std::size_t>(len, be::load16(ip + 2));
        std::memcpy(out.source.ipv4.data(), ip + 12, 4);
        std::memcpy(out.destination.ipv4.data(), ip + 16, 4);
        udp = ihl;
    } else if ((ip[0] >> 4) == 6) {
        // RFC 8200: a fixed 40-byte header; UDP directly after it (no extension headers).
        if (len < 48 || ip[6] != 17) {
            ++skipped_;
            return false;
        }
        end = std::min<std::size_t>(len, 40 + std::size_t{be::load16(ip + 4)});
        out.ipv6 = true;
        out.source.ipv4 = {0, 0, 0, 0};
        out.destination.ipv4 = {0, 0, 0, 0};
        udp = 40;
    } else {
        ++skipped_;
        return false;
    }
    const std::size_t udp_len = be::load16(ip + udp + 4);
    if (end < udp + 8 || udp_len < 8 || udp + udp_len > end) {
        ++skipped_;
        return false;
    }
    out.source.port = be::load16(ip + udp);
    out.destination.port = be::load16(ip + udp + 2);
    out.payload.assign(ip + udp + 8, ip + udp + udp_len);
    return true;
}

} // namespace tafel::ingest
