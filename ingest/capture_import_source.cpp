#include "ingest/capture_import_source.hpp"

#include "ingest/rtp_packet.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>

namespace tafel::ingest {

namespace {

// Janus's codec names → the importer's stream descriptions (RFC 7587: Opus is 48000/2).
Result<StreamDescription> describe(const MjrInfo& info, const std::filesystem::path& file, std::uint16_t port) {
    std::string c = info.codec;
    for (auto& ch : c) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    StreamDescription d;
    d.port = port;
    if (c == "opus") {
        d.codec = "opus";
        d.clock_rate = 48'000;
        d.channels = 2;
    } else if (c == "vp8" || c == "vp9" || c == "h264") {
        d.codec = c == "h264" ? "H264" : c == "vp8" ? "VP8" : "VP9";
        d.clock_rate = 90'000;
    } else {
        return fail(Errc::unsupported, fmt::format("{}: codec \"{}\" (tafel imports VP8, VP9, H264 and opus)",
                                                   file.string(), info.codec));
    }
    return d;
}

bool starts_like_mjr(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::uint8_t head[8] = {};
    in.read(reinterpret_cast<char*>(head), sizeof head);
    return MjrReader::looks_like_mjr(head, static_cast<std::size_t>(in.gcount()));
}

} // namespace

Result<ImportSource> ImportSource::open(const std::vector<std::filesystem::path>& inputs) {
    if (inputs.empty()) return fail(Errc::invalid_argument, "import: no capture given");
    ImportSource s;
    const bool mjr = starts_like_mjr(inputs.front());
    if (!mjr) {
        if (inputs.size() > 1) {
            return fail(Errc::invalid_argument, fmt::format("import: {} is a packet capture; only .mjr files may be "
                                                            "given several at once", inputs.front().string()));
        }
        auto file = CaptureFile::open(inputs.front());
        if (!file) return std::unexpected(file.error());
        s.capture_.emplace(std::move(*file));
        return s;
    }
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        if (!starts_like_mjr(inputs[i])) {
            return fail(Errc::invalid_argument, fmt::format("import: {} is not a Janus recording (.mjr) like {}",
                                                            inputs[i].string(), inputs.front().string()));
        }
        auto reader = MjrReader::open(inputs[i]);
        if (!reader) return std::unexpected(reader.error());
        const auto port = static_cast<std::uint16_t>(40'000 + 2 * i);
        auto d = describe(reader->info(), inputs[i], port);
        if (!d) return std::unexpected(d.error());
        s.described_.push_back(*d);
        s.mjrs_.push_back(Mjr{std::move(*reader), port, d->clock_rate, std::nullopt, std::nullopt, false});
    }
    for (auto& m : s.mjrs_) {
        if (auto ok = s.fill(m); !ok) return std::unexpected(ok.error());
    }
    return s;
}

Result<void> ImportSource::fill(Mjr& m) {
    m.head.reset();
    if (m.ended) return {};
    auto p = m.reader.next();
    if (!p) return std::unexpected(p.error());
    if (!*p) {
        m.ended = true;
        return {};
    }
    CapturedDatagram g;
    const MjrInfo& info = m.reader.info();
    if ((*p)->offset_ms) {
        g.wall_ns = (info.first_frame_us + *(*p)->offset_ms * 1000) * 1000;
    } else if (auto rtp = RtpPacket::parse((*p)->data)) {
        // v1 stores no times: the RTP clock stands in for the arrival clock (no jitter, no
        // common time base between files).
        if (!m.first_rtp_ts) m.first_rtp_ts = rtp->timestamp;
        const std::int64_t ticks = static_cast<std::int32_t>(rtp->timestamp - *m.first_rtp_ts);
        g.wall_ns = ticks * 1'000'000'000 / m.clock_rate;
    }
    g.source = UdpEndpoint{{10, 0, 0, 1}, static_cast<std::uint16_t>(m.port + 10'000)};
    g.destination = UdpEndpoint{{127, 0, 0, 1}, m.port};
    g.payload = std::move((*p)->data);
    m.head = std::move(g);
    return {};
}

Result<std::optional<CapturedDatagram>> ImportSource::next() {
    if (capture_) return capture_->next();
    // The earliest head of all files (ties: the file given first).
    Mjr* best = nullptr;
    for (auto& m : mjrs_) {
        if (m.head && (best == nullptr || m.head->wall_ns < best->head->wall_ns)) best = &m;
    }
    if (best == nullptr) return std::optional<CapturedDatagram>{};
    std::optional<CapturedDatagram> out = std::move(best->head);
    if (auto ok = fill(*best); !ok) return std::unexpected(ok.error());
    return out;
}

} // namespace tafel::ingest
