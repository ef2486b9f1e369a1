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

namespace {

FrameStart vp9_frame_start(Bytes p) noexcept {
    if (p.empty()) return {};
    const std::uint8_t b0 = p[0];   // I P L F B E V Z
    if ((b0 & 0x08) == 0) return {};   // B: not the start of a frame
    std::size_t n = 1;
    if ((b0 & 0x80) != 0) {            // I: PictureID, 7 or 15 bits (M)
        if (p.size() < 2) return {};
        n += (p[1] & 0x80) != 0 ? 2 : 1;
    }
    if ((b0 & 0x20) != 0) {            // L: TID U SID D
        if (p.size() <= n) return {};
        if (((p[n] >> 1) & 0x07) != 0) return {};   // an upper spatial layer: layer 0 decides
    }
    return {true, (b0 & 0x40) == 0};   // P: inter-picture predicted
}

FrameStart h264_nal_start(std::uint8_t header) noexcept {
    const int type = header & 0x1f;
    if (type == 5 || type == 7) return {true, true};
    if (type == 1) return {true, false};
    return {};
}

FrameStart h264_frame_start(Bytes p) noexcept {
    if (p.empty()) return {};
    const int type = p[0] & 0x1f;
    if (type >= 1 && type <= 23) return h264_nal_start(p[0]);
    if (type == 24) {   // STAP-A: 16-bit size, NAL unit, …
        FrameStart out;
        std::size_t i = 1;
        while (i + 2 < p.size()) {
            const std::size_t size = (std::size_t{p[i]} << 8) | p[i + 1];
            if (size == 0 || i + 2 + size > p.size()) break;
            const FrameStart nal = h264_nal_start(p[i + 2]);
            out.starts = out.starts || nal.starts;
            out.key = out.key || nal.key;
            i += 2 + size;
        }
        return out;
    }
    if (type == 28 && p.size() >= 2 && (p[1] & 0x80) != 0) {   // FU-A with S
        return h264_nal_start(static_cast<std::uint8_t>((p[0] & 0xe0) | (p[1] & 0x1f)));
    }
    return {};
}

} // namespace

FrameStart classify_frame_start(KeyframeCodec codec, Bytes p) noexcept {
    switch (codec) {
    case KeyframeCodec::vp8:
        if (!vp8_starts_frame(p)) return {};
        return {true, vp8_starts_keyframe(p)};
    case KeyframeCodec::vp9: return vp9_frame_start(p);
    case KeyframeCodec::h264: return h264_frame_start(p);
    case KeyframeCodec::none: break;
    }
    return {};
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
    const FrameStart frame = classify_frame_start(options_.codec, payload);
    if (frame.starts && !update.duplicate) {
        if (frame.key) {
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

std::array<std::uint8_t, 20> build_fir(std::uint32_t sender_ssrc, std::uint32_t media_ssrc,
                                       std::uint8_t sequence) noexcept {
    const auto b = [](std::uint32_t v, int shift) { return static_cast<std::uint8_t>(v >> shift); };
    return {0x84, 206, 0x00, 0x04,   // V=2 P=0 FMT=4, PT=PSFB, length 4 (5 words − 1)
            b(sender_ssrc, 24), b(sender_ssrc, 16), b(sender_ssrc, 8), b(sender_ssrc, 0),
            0, 0, 0, 0,              // media source SSRC: unused, 0 (RFC 5104 4.3.1.2)
            b(media_ssrc, 24), b(media_ssrc, 16), b(media_ssrc, 8), b(media_ssrc, 0),
            sequence, 0, 0, 0};
}

} // namespace tafel::ingest
