#include "ingest/capture_import.hpp"

#include "core/ids.hpp"
#include "ingest/byte_order.hpp"
#include "ingest/capture_import_source.hpp"
#include "ingest/h264_depacketizer.hpp"
#include "ingest/pcap_writer.hpp"
#include "ingest/rtp_packet.hpp"
#include "ingest/sequence_unwrapper.hpp"
#include "ingest/vp8_depacketizer.hpp"
#include "ingest/vp9_depacketizer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>

namespace tafel::ingest {

namespace {

// What the first pass learns about one RTP source.
struct SourceStats {
    std::uint16_t port = 0;
    int payload_type = 0;
    std::uint64_t packets = 0;
    TimestampUnwrapper timestamps;
    std::int64_t first_ts = 0, last_ts = 0;
    std::int64_t first_ns = 0, last_ns = 0;
    int vp8 = 0, vp9 = 0, h264 = 0;   // keyframe signatures seen
};

// Keyframe signatures: VP8's start code 9d 01 2a (RFC 6386 9.1), VP9's sync code 49 83 42
// (VP9 bitstream 6.2, profile 0/1 key frames), an H.264 SPS (single NAL or first in a STAP-A).
void look_for_signatures(Bytes p, SourceStats& s) {
    if (auto d = Vp8Descriptor::parse(p); d && d->frame_start() && p.size() >= d->size + 6) {
        const auto* v = p.data() + d->size;
        if ((v[0] & 1) == 0 && v[3] == 0x9d && v[4] == 0x01 && v[5] == 0x2a) ++s.vp8;
    }
    if (auto d = Vp9Descriptor::parse(p); d && d->begin && !d->inter_picture && p.size() >= d->size + 4) {
        const auto* v = p.data() + d->size;
        if ((v[0] >> 6) == 2 && v[1] == 0x49 && v[2] == 0x83 && v[3] == 0x42) ++s.vp9;
    }
    if (!p.empty() && ((p[0] & 0x1f) == 7 || ((p[0] & 0x1f) == 24 && p.size() > 3 && (p[3] & 0x1f) == 7))) ++s.h264;
}

Result<StreamDescription> detect(std::uint32_t ssrc, const SourceStats& s) {
    StreamDescription d;
    d.port = s.port;
    d.payload_type = s.payload_type;
    const std::int64_t span_ns = s.last_ns - s.first_ns;
    if (span_ns >= 500'000'000) {
        // Timestamp ticks per second, from at least half a second of capture.
        const double rate = static_cast<double>(s.last_ts - s.first_ts) * 1e9 / static_cast<double>(span_ns);
        if (rate > 40'000 && rate < 56'000) {
            d.codec = "opus";
            d.clock_rate = 48000;
            d.channels = 2;
            return d;
        }
    }
    d.clock_rate = 90000;
    const int best = std::max({s.vp8, s.vp9, s.h264});
    if (best == 0) {
        return fail(Errc::unsupported, fmt::format("cannot tell the codec of SSRC 0x{:08x} on port {} (payload type {}); "
                                                   "describe it with --stream {}=CODEC/CLOCK or --sdp",
                                                   ssrc, s.port, s.payload_type, s.port));
    }
    d.codec = best == s.vp8 ? "VP8" : best == s.vp9 ? "VP9" : "H264";
    return d;
}

std::uint32_t rtcp_sender(Bytes d) { return d.size() >= 8 ? be::load32(d.data() + 4) : 0; }

struct OutTrack {
    TrackInfo info;
    std::uint32_t ssrc = 0;
    std::unique_ptr<PcapWriter> writer;
};

} // namespace

Result<ImportSummary> import_capture(const std::filesystem::path& capture, const std::filesystem::path& raw_root,
                                     const ImportOptions& options) {
    return import_captures({capture}, raw_root, options);
}

Result<ImportSummary> import_captures(const std::vector<std::filesystem::path>& captures,
                                      const std::filesystem::path& raw_root, const ImportOptions& options) {
    if (captures.empty()) return fail(Errc::invalid_argument, "import: no capture given");
    const std::filesystem::path& capture = captures.front();
    // Pass 1: the RTP sources and their times.
    auto file = ImportSource::open(captures);
    if (!file) return std::unexpected(file.error());
    // .mjr files describe their own streams; --stream/--sdp still take precedence.
    const std::vector<StreamDescription>& described = options.streams.empty() ? file->described() : options.streams;
    std::map<std::uint32_t, SourceStats> sources;
    std::vector<std::uint32_t> order;   // sources in order of appearance
    std::optional<std::int64_t> first_ns;
    std::int64_t last_ns = 0;
    for (;;) {
        auto d = file->next();
        if (!d) return std::unexpected(d.error());
        if (!*d) break;
        const auto& g = **d;
        if (!first_ns) first_ns = g.wall_ns;
        last_ns = std::max(last_ns, g.wall_ns);
        if (looks_like_rtcp(g.payload)) continue;
        auto rtp = RtpPacket::parse(g.payload);
        if (!rtp) continue;
        auto [it, fresh] = sources.try_emplace(rtp->ssrc);
        SourceStats& s = it->second;
        const std::int64_t ts = s.timestamps.unwrap(rtp->timestamp);
        if (fresh) {
            order.push_back(rtp->ssrc);
            s.port = g.destination.port;
            s.payload_type = rtp->payload_type;
            s.first_ts = ts;
            s.first_ns = g.wall_ns;
        }
        if (rtp->payload_type != s.payload_type) continue;   // RTX/FEC sharing the SSRC space
        ++s.packets;
        s.last_ts = std::max(s.last_ts, ts);
        s.last_ns = g.wall_ns;
        look_for_signatures(rtp->payload, s);
    }
    if (!first_ns) return fail(Errc::not_found, fmt::format("{}: no UDP datagrams", capture.string()));

    // The streams to keep, described or detected.
    std::vector<std::pair<std::uint32_t, StreamDescription>> chosen;
    for (const auto ssrc : order) {
        const SourceStats& s = sources.at(ssrc);
        if (described.empty()) {
            auto d = detect(ssrc, s);
            if (!d) return std::unexpected(d.error());
            chosen.emplace_back(ssrc, *d);
            continue;
        }
        for (const auto& d : described) {
            if (d.port == s.port && (!d.payload_type || *d.payload_type == s.payload_type)) {
                chosen.emplace_back(ssrc, d);
                chosen.back().second.payload_type = s.payload_type;
                break;
            }
        }
    }
    if (chosen.empty()) {
        return fail(Errc::not_found, fmt::format("{}: no RTP stream {}", capture.string(),
                                                 described.empty() ? "found" : "matches the described ports"));
    }

    RecordingInfo info;
    const std::string name = options.meeting_name.empty() ? capture.filename().string() : options.meeting_name;
    info.meeting = Meeting{"import-" + capture.stem().string(), name, "import"};
    info.started = WallTime{*first_ns / 1000};
    info.stopped = WallTime{last_ns / 1000};
    info.anchor = ClockAnchor{ArrivalTime{*first_ns}, WallTime{*first_ns / 1000}};
    info.id = recording_id(info.meeting.id, *first_ns / 1'000'000);
    const auto dir = raw_root / info.id;
    std::error_code ec;
    if (std::filesystem::exists(dir / "recording.json", ec)) {
        return fail(Errc::already_exists, fmt::format("{} already holds a recording", dir.string()));
    }
    std::filesystem::create_directories(dir / "tracks", ec);
    if (ec) return fail(Errc::io, fmt::format("create {}: {}", dir.string(), ec.message()));

    bool have_video = false, have_audio = false;
    std::vector<OutTrack> tracks;
    for (const auto& [ssrc, d] : chosen) {
        OutTrack t;
        t.ssrc = ssrc;
        t.info.id = fmt::format("t{}", tracks.size() + 1);
        t.info.kind = d.audio() ? MediaKind::audio : MediaKind::video;
        t.info.codec = d.codec;
        t.info.payload_type = d.payload_type.value_or(0);
        t.info.clock_rate = d.clock_rate;
        t.info.channels = d.audio() ? d.channels : 0;
        t.info.port = d.port;
        t.info.file = fmt::format("tracks/{}.pcap", t.info.id);
        bool& taken = d.audio() ? have_audio : have_video;
        if (!taken) {
            taken = true;
            t.info.participant = "teacher";
        } else {
            t.info.participant = fmt::format("p{}", tracks.size() + 1);
            info.participants.push_back(Participant{t.info.participant, fmt::format("Participant {}", tracks.size() + 1),
                                                    Role::viewer, Consent::granted});
        }
        auto w = PcapWriter::create(dir / t.info.file, info.anchor);
        if (!w) return std::unexpected(w.error());
        t.writer = std::make_unique<PcapWriter>(std::move(*w));
        info.tracks.push_back(t.info);
        tracks.push_back(std::move(t));
    }
    info.participants.insert(info.participants.begin(), Participant{"teacher", "Teacher", Role::moderator, Consent::granted});

    // Pass 2: each source's RTP and RTCP into its track.
    ImportSummary summary;
    file = ImportSource::open(captures);
    if (!file) return std::unexpected(file.error());
    for (;;) {
        auto d = file->next();
        if (!d) return std::unexpected(d.error());
        if (!*d) break;
        const auto& g = **d;
        ++summary.datagrams;
        std::uint32_t ssrc = 0;
        if (looks_like_rtcp(g.payload)) {
            ssrc = rtcp_sender(g.payload);
        } else if (auto rtp = RtpPacket::parse(g.payload)) {
            ssrc = rtp->ssrc;
        }
        auto t = std::find_if(tracks.begin(), tracks.end(), [&](const OutTrack& o) { return o.ssrc == ssrc; });
        if (ssrc == 0 || t == tracks.end()) {
            ++summary.ignored;
            continue;
        }
        UdpEndpoint to = g.destination;
        to.port = t->info.port;
        if (auto r = t->writer->append(info.anchor.arrival_of_wall_ns(g.wall_ns), g.source, to, g.payload); !r) {
            return std::unexpected(r.error());
        }
    }
    for (auto& t : tracks) {
        if (auto r = t.writer->close(); !r) return std::unexpected(r.error());
    }
    std::ofstream(dir / "events.jsonl").flush();
    if (auto r = write_recording_info(dir, info); !r) return std::unexpected(r.error());
    summary.recording_dir = dir;
    summary.info = std::move(info);
    return summary;
}

} // namespace tafel::ingest
