#include "ingest/pcap_reader.hpp"

#include "ingest/byte_order.hpp"
#include "ingest/pcap_format.hpp"

#include <fmt/format.h>

#include <cstring>

namespace tafel::ingest {

namespace {

constexpr std::uint32_t k_linktype_ipv4 = 228;   // LINKTYPE_IPV4: same payload as RAW for v4

std::uint32_t bswap32(std::uint32_t v) { return __builtin_bswap32(v); }
std::uint32_t load_le32(const std::uint8_t* p) {
    return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
           (std::uint32_t{p[3]} << 24);
}

// Reads up to n bytes; returns how many were read (less only at the end of the file).
std::size_t read_some(std::ifstream& in, std::uint8_t* data, std::size_t n) {
    in.read(reinterpret_cast<char*>(data), static_cast<std::streamsize>(n));
    return static_cast<std::size_t>(in.gcount());
}

} // namespace

PcapReader::PcapReader(std::filesystem::path path, std::unique_ptr<std::ifstream> in, ClockAnchor anchor,
                       bool swapped, bool nanoseconds, std::uint32_t linktype)
    : path_(std::move(path)), in_(std::move(in)), anchor_(anchor), swapped_(swapped), nanoseconds_(nanoseconds),
      linktype_(linktype), offset_(pcap::k_file_header) {}

std::uint32_t PcapReader::u32(const std::uint8_t* p) const {
    const std::uint32_t v = load_le32(p);
    return swapped_ ? bswap32(v) : v;
}

Result<PcapReader> PcapReader::open(const std::filesystem::path& path, const ClockAnchor& anchor) {
    std::filesystem::path chosen = path;
    std::error_code ec;
    if (!std::filesystem::exists(chosen, ec)) {
        chosen += ".tmp";
        if (!std::filesystem::exists(chosen, ec)) {
            return fail(Errc::not_found, fmt::format("pcap {} (nor {}.tmp) does not exist", path.string(),
                                                     path.filename().string()));
        }
    }
    auto in = std::make_unique<std::ifstream>(chosen, std::ios::binary);
    if (!*in) return fail(Errc::io, fmt::format("cannot open {}", chosen.string()));
    std::uint8_t h[pcap::k_file_header];
    if (read_some(*in, h, sizeof h) != sizeof h) {
        return fail(Errc::malformed_input, fmt::format("{}: shorter than a pcap file header", chosen.string()));
    }
    const std::uint32_t magic = load_le32(h);
    bool swapped = false;
    bool ns = false;
    if (magic == pcap::k_magic_ns || magic == pcap::k_magic_us) {
        ns = magic == pcap::k_magic_ns;
    } else if (bswap32(magic) == pcap::k_magic_ns || bswap32(magic) == pcap::k_magic_us) {
        swapped = true;
        ns = bswap32(magic) == pcap::k_magic_ns;
    } else {
        return fail(Errc::malformed_input,
                    fmt::format("{}: bad pcap magic 0x{:08x} (not a classic pcap file)", chosen.string(), magic));
    }
    const std::uint32_t linktype = swapped ? bswap32(load_le32(h + 20)) : load_le32(h + 20);
    if ((linktype & 0xffff) != pcap::k_linktype_raw && (linktype & 0xffff) != k_linktype_ipv4) {
        return fail(Errc::unsupported,
                    fmt::format("{}: link type {} (only LINKTYPE_RAW 101 is read)", chosen.string(), linktype));
    }
    return PcapReader(std::move(chosen), std::move(in), anchor, swapped, ns, linktype & 0xffff);
}

Result<std::optional<PcapRecord>> PcapReader::next() {
    for (;;) {
        std::uint8_t h[pcap::k_record_header];
        const std::size_t got = read_some(*in_, h, sizeof h);
        if (got == 0) return std::optional<PcapRecord>{};
        if (got < sizeof h) {
            truncated_tail_ = true;
            return std::optional<PcapRecord>{};
        }
        const std::uint32_t sec = u32(h);
        const std::uint32_t frac = u32(h + 4);
        const std::uint32_t incl = u32(h + 8);
        if (incl > pcap::k_snaplen) {
            return fail(Errc::malformed_input,
                        fmt::format("{}: record at offset {} claims {} bytes (beyond the snap length)",
                                    path_.string(), offset_, incl));
        }
        record_.resize(incl);
        if (read_some(*in_, record_.data(), incl) < incl) {
            truncated_tail_ = true;   // crash while appending: the last record is torn
            return std::optional<PcapRecord>{};
        }
        offset_ += sizeof h + incl;

        // RFC 791 / RFC 768: IPv4 header of IHL words, then UDP.
        if (incl < pcap::k_ipv4_header || (record_[0] >> 4) != 4) {
            ++skipped_;
            continue;
        }
        const std::size_t ihl = 4u * (record_[0] & 0x0f);
        if (ihl < pcap::k_ipv4_header || record_[9] != 17 || incl < ihl + pcap::k_udp_header) {
            ++skipped_;
            continue;
        }
        const std::size_t ip_total = be::load16(&record_[2]);
        const std::size_t udp_len = be::load16(&record_[ihl + 4]);
        if (udp_len < pcap::k_udp_header || ihl + udp_len > incl || ip_total > incl) {
            ++skipped_;
            continue;
        }
        PcapRecord r;
        const std::int64_t sub_ns = nanoseconds_ ? std::int64_t{frac} : std::int64_t{frac} * 1000;
        r.wall_ns = std::int64_t{sec} * 1'000'000'000 + sub_ns;
        r.arrival = anchor_.arrival_of_wall_ns(r.wall_ns);
        std::memcpy(r.source.ipv4.data(), &record_[12], 4);
        std::memcpy(r.destination.ipv4.data(), &record_[16], 4);
        r.source.port = be::load16(&record_[ihl]);
        r.destination.port = be::load16(&record_[ihl + 2]);
        const auto* begin = record_.data() + ihl + pcap::k_udp_header;
        r.payload.assign(begin, begin + (udp_len - pcap::k_udp_header));
        return std::optional<PcapRecord>{std::move(r)};
    }
}

Result<std::vector<PcapRecord>> read_pcap(const std::filesystem::path& path, const ClockAnchor& anchor) {
    auto reader = PcapReader::open(path, anchor);
    if (!reader) return std::unexpected(reader.error());
    std::vector<PcapRecord> out;
    for (;;) {
        auto r = reader->next();
        if (!r) return std::unexpected(r.error());
        if (!*r) break;
        out.push_back(std::move(**r));
    }
    return out;
}

} // namespace tafel::ingest
