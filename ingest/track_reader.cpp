#include "ingest/track_reader.hpp"

#include "core/log.hpp"
#include "ingest/depacketizer.hpp"
#include "ingest/pcap_reader.hpp"
#include "ingest/rtcp_packet.hpp"
#include "ingest/rtp_packet.hpp"
#include "ingest/sequence_unwrapper.hpp"

#include <fmt/format.h>

#include <deque>
#include <map>
#include <set>

namespace tafel::ingest {

namespace {

// Packets are released in sequence order once this many are buffered: enough for the
// reordering a network produces within a fraction of a second of video.
constexpr std::size_t k_reorder_window = 64;
// Sequence numbers remembered after release, to tell duplicates from late packets.
constexpr std::int64_t k_released_memory = 4096;

struct BufferedPacket {
    std::uint32_t ssrc = 0;
    std::int64_t timestamp = 0;
    bool marker = false;
    ArrivalTime arrival;
    std::vector<std::uint8_t> payload;
};

struct PendingReport {
    std::uint32_t ssrc = 0;
    std::uint64_t ntp = 0;
    std::uint32_t rtp_timestamp = 0;
    ArrivalTime arrival;
};

class PcapTrackReader final : public TrackReader {
public:
    PcapTrackReader(PcapReader pcap, TrackInfo track, std::unique_ptr<Depacketizer> depacketizer)
        : pcap_(std::move(pcap)), track_(std::move(track)), depacketizer_(std::move(depacketizer)) {}

    Result<std::optional<EncodedFrame>> next() override {
        while (ready_.empty() && !finished_) {
            auto record = pcap_.next();
            if (!record) return std::unexpected(record.error());
            if (!*record) {
                finish();
                break;
            }
            consume(**record);
        }
        if (ready_.empty()) return std::optional<EncodedFrame>{};
        EncodedFrame f = std::move(ready_.front());
        ready_.pop_front();
        return std::optional<EncodedFrame>{std::move(f)};
    }

    const std::vector<SenderReport>& sender_reports() const override { return reports_; }
    const TrackStats& stats() const override { return stats_; }

private:
    void consume(const PcapRecord& r) {
        const Bytes d(r.payload);
        if (looks_like_rtcp(d)) {
            auto rtcp = RtcpCompound::parse(d);
            if (!rtcp) {
                warn_malformed(rtcp.error());
                return;
            }
            ++stats_.rtcp_packets;
            for (const auto& sr : rtcp->sender_reports) {
                pending_reports_.push_back(PendingReport{sr.ssrc, sr.ntp_timestamp, sr.rtp_timestamp, r.arrival});
            }
            resolve_reports();
            return;
        }
        auto rtp = RtpPacket::parse(d);
        if (!rtp) {
            warn_malformed(rtp.error());
            return;
        }
        if (rtp->payload_type != track_.payload_type) {
            ++stats_.other_payload_type;   // RTX, FEC, or another stream on the port
            return;
        }
        if (!ssrc_) ssrc_ = rtp->ssrc;
        if (rtp->ssrc != *ssrc_) {
            ++stats_.other_ssrc;   // one track is one source; a second SSRC is not mixed in
            return;
        }
        ++stats_.packets;
        const std::int64_t seq = sequences_.unwrap(rtp->sequence_number);
        const std::int64_t ts = timestamps_.unwrap(rtp->timestamp);
        resolve_reports();
        if (buffer_.contains(seq) || (released_ && seq <= *released_ && released_set_.contains(seq))) {
            ++stats_.duplicates;
            return;
        }
        if (released_ && seq <= *released_) {
            ++stats_.late;   // arrived after the reorder window closed: already counted lost
            return;
        }
        buffer_.emplace(seq, BufferedPacket{rtp->ssrc, ts, rtp->marker, r.arrival,
                                            std::vector<std::uint8_t>(rtp->payload.begin(), rtp->payload.end())});
        while (buffer_.size() > k_reorder_window) release_one();
    }

    void release_one() {
        auto it = buffer_.begin();
        const std::int64_t seq = it->first;
        if (released_ && seq > *released_ + 1) stats_.lost += static_cast<std::uint64_t>(seq - *released_ - 1);
        released_ = seq;
        released_set_.insert(seq);
        while (!released_set_.empty() && *released_set_.begin() < seq - k_released_memory) {
            released_set_.erase(released_set_.begin());
        }
        const BufferedPacket& b = it->second;
        const MediaPacket p{b.ssrc, seq, b.timestamp, b.marker, b.arrival, Bytes(b.payload)};
        std::vector<EncodedFrame> frames;
        depacketizer_->push(p, frames, stats_);
        for (auto& f : frames) ready_.push_back(std::move(f));
        buffer_.erase(it);
    }

    void finish() {
        while (!buffer_.empty()) release_one();
        std::vector<EncodedFrame> frames;
        depacketizer_->finish(frames, stats_);
        for (auto& f : frames) ready_.push_back(std::move(f));
        // Reports with no RTP packet of the track at all: unwrap them among themselves.
        if (!timestamps_.last()) {
            TimestampUnwrapper own;
            for (const auto& p : pending_reports_) {
                reports_.push_back(SenderReport{p.ssrc, wall_from_ntp(p.ntp), own.unwrap(p.rtp_timestamp), p.arrival});
            }
            pending_reports_.clear();
        }
        finished_ = true;
    }

    // Sender reports are placed on the frames' timestamp axis: the unwrapped value nearest the
    // latest packet's timestamp (within half the 32-bit range, ~6.6 h at 90 kHz).
    void resolve_reports() {
        const auto reference = timestamps_.last();
        if (!reference) return;
        for (const auto& p : pending_reports_) {
            if (ssrc_ && p.ssrc != *ssrc_) continue;
            reports_.push_back(SenderReport{p.ssrc, wall_from_ntp(p.ntp),
                                            TimestampUnwrapper::nearest(p.rtp_timestamp, *reference), p.arrival});
        }
        pending_reports_.clear();
    }

    void warn_malformed(const Error& e) {
        ++stats_.malformed;
        std::uint64_t suppressed = 0;
        if (warn_limit_.allow(suppressed)) {
            log::get("ingest")->warn("{} track {}: skipping packet: {} ({} more suppressed)", pcap_.path().string(),
                                     track_.id, e.message, suppressed);
        }
    }

    PcapReader pcap_;
    TrackInfo track_;
    std::unique_ptr<Depacketizer> depacketizer_;
    TrackStats stats_;
    std::vector<SenderReport> reports_;
    std::vector<PendingReport> pending_reports_;
    std::deque<EncodedFrame> ready_;
    std::map<std::int64_t, BufferedPacket> buffer_;
    std::optional<std::int64_t> released_;
    std::set<std::int64_t> released_set_;
    std::optional<std::uint32_t> ssrc_;
    SequenceUnwrapper sequences_;
    TimestampUnwrapper timestamps_;
    log::RateLimit warn_limit_;
    bool finished_ = false;
};

} // namespace

Result<std::unique_ptr<TrackReader>> TrackReader::open(const std::filesystem::path& recording_dir,
                                                       const TrackInfo& track, const ClockAnchor& anchor) {
    auto depacketizer = Depacketizer::create(track.codec);
    if (!depacketizer) {
        return fail(depacketizer.error().code, fmt::format("track {}: {}", track.id, depacketizer.error().message));
    }
    auto pcap = PcapReader::open(recording_dir / track.file, anchor);
    if (!pcap) return std::unexpected(pcap.error());
    return std::make_unique<PcapTrackReader>(std::move(*pcap), track, std::move(*depacketizer));
}

} // namespace tafel::ingest
