#include "ingest/keyframe_requester.hpp"

namespace tafel::ingest {

namespace {

// RFC 7741 4.2: the VP8 payload descriptor; returns the offset of the VP8 payload header, or
// 0 when the descriptor is truncated.
std::size_t vp8_descriptor_size(Bytes p) noexcept {
    if (p.empty()) return 0;
    std::size_t n = 1;
    if ((p[0] & 0x80) != 0) {   // X: extension byte I L T K
        if (p.size() < 2) return 0;
        const std::uint8_t ext = p[1];
        n = 2;
        if ((ext & 0x80) != 0) {   // I: PictureID, 7 or 15 bits (M)
            if (p.size() < n + 1) return 0;
            n += (p[n] & 0x80) != 0 ? 2 : 1;
        }
        if ((ext & 0x40) != 0) ++n;            // L: TL0PICIDX
        if ((ext & 0x30) != 0) ++n;            // T or K: TID/Y/KEYIDX
    }
    return p.size() > n ? n : 0;
}

} // namespace

bool vp8_starts_frame(Bytes p) noexcept {
    return !p.empty() && (p[0] & 0x10) != 0 && (p[0] & 0x07) == 0 && vp8_descriptor_size(p) != 0;
}

bool vp8_starts_keyframe(Bytes p) noexcept {
    if (!vp8_starts_frame(p)) return false;
    // RFC 6386 9.1: bit 0 of the frame tag is the inverse key frame flag (0: key frame).
    return (p[vp8_descriptor_size(p)] & 0x01) == 0;
}

bool KeyframeRequester::allow(ArrivalTime now) noexcept {
    if (requested_ && now.ns - last_request_ns_ < options_.min_interval.count()) return false;
    requested_ = true;
    last_request_ns_ = now.ns;
    return true;
}

bool KeyframeRequester::on_rtp(std::uint32_t ssrc, Bytes payload, const RtpStreamStats::Update& update,
                               const RtpStreamStats& stats, ArrivalTime now) noexcept {
    if (update.gap > 0) {
        if (gap_count_ < k_max_gaps) {
            gaps_[gap_count_++] = Gap{ssrc, update.extended_seq - update.gap, update.extended_seq - 1,
                                      now.ns + options_.reorder_window.count()};
        } else {
            pending_ = true;   // more holes than we track: ask rather than forget one
        }
    }
    if (options_.vp8 && vp8_starts_frame(payload) && !update.duplicate) {
        if (vp8_starts_keyframe(payload)) {
            // A key frame makes every earlier loss irrelevant to a decoder.
            keyframe_seen_ = true;
            pending_ = false;
            std::size_t kept = 0;
            for (std::size_t i = 0; i < gap_count_; ++i) {
                if (gaps_[i].ssrc != ssrc || gaps_[i].last > update.extended_seq) gaps_[kept++] = gaps_[i];
            }
            gap_count_ = kept;
        } else if (!keyframe_seen_) {
            pending_ = true;   // decoding cannot start before a key frame
        }
    }
    // Gaps whose reorder window has passed: repaired (every packet arrived since) or lost.
    std::size_t kept = 0;
    for (std::size_t i = 0; i < gap_count_; ++i) {
        Gap& g = gaps_[i];
        while (g.first <= g.last && stats.received(g.ssrc, g.first)) ++g.first;
        if (g.first > g.last) continue;   // repaired
        if (now.ns >= g.deadline_ns) {
            pending_ = true;
            continue;
        }
        gaps_[kept++] = g;
    }
    gap_count_ = kept;
    // A request held back by the rate limit stays pending until it may go.
    if (!pending_ || !allow(now)) return false;
    pending_ = false;
    return true;
}

std::array<std::uint8_t, 12> build_pli(std::uint32_t sender_ssrc, std::uint32_t media_ssrc) noexcept {
    return {0x81, 206, 0x00, 0x02,   // V=2 P=0 FMT=1, PT=PSFB, length 2 (3 words − 1)
            static_cast<std::uint8_t>(sender_ssrc >> 24), static_cast<std::uint8_t>(sender_ssrc >> 16),
            static_cast<std::uint8_t>(sender_ssrc >> 8), static_cast<std::uint8_t>(sender_ssrc),
            static_cast<std::uint8_t>(media_ssrc >> 24), static_cast<std::uint8_t>(media_ssrc >> 16),
            static_cast<std::uint8_t>(media_ssrc >> 8), static_cast<std::uint8_t>(media_ssrc)};
}

} // namespace tafel::ingest
