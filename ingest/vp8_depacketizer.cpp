#include "ingest/vp8_depacketizer.hpp"

#include <fmt/format.h>

namespace tafel::ingest {

Result<Vp8Descriptor> Vp8Descriptor::parse(Bytes p) {
    if (p.empty()) return fail(Errc::malformed_input, "VP8 payload is empty");
    Vp8Descriptor d;
    // RFC 7741 4.2: |X|R|N|S|R| PID |
    d.extended = (p[0] & 0x80) != 0;
    d.non_reference = (p[0] & 0x20) != 0;
    d.start_of_partition = (p[0] & 0x10) != 0;
    d.partition_id = p[0] & 0x07;
    std::size_t off = 1;
    auto need = [&](std::size_t n, const char* what) -> Result<void> {
        if (off + n > p.size()) {
            return fail(Errc::malformed_input, fmt::format("VP8 descriptor {} runs beyond the {}-byte payload", what, p.size()));
        }
        return {};
    };
    if (d.extended) {
        if (auto r = need(1, "extension byte"); !r) return std::unexpected(r.error());
        // |I|L|T|K| RSV |
        const std::uint8_t x = p[off++];
        const bool has_i = (x & 0x80) != 0;
        const bool has_l = (x & 0x40) != 0;
        const bool has_t = (x & 0x20) != 0;
        const bool has_k = (x & 0x10) != 0;
        if (has_i) {
            if (auto r = need(1, "PictureID"); !r) return std::unexpected(r.error());
            if (p[off] & 0x80) {   // M: 15-bit PictureID
                if (auto r = need(2, "15-bit PictureID"); !r) return std::unexpected(r.error());
                d.picture_id = static_cast<std::uint16_t>(((p[off] & 0x7f) << 8) | p[off + 1]);
                d.picture_id_15bit = true;
                off += 2;
            } else {
                d.picture_id = p[off] & 0x7f;
                off += 1;
            }
        }
        if (has_l) {
            if (auto r = need(1, "TL0PICIDX"); !r) return std::unexpected(r.error());
            d.tl0_pic_idx = p[off++];
        }
        if (has_t || has_k) {
            if (auto r = need(1, "TID/KEYIDX byte"); !r) return std::unexpected(r.error());
            // |TID|Y| KEYIDX  |
            if (has_t) {
                d.temporal_id = static_cast<std::uint8_t>(p[off] >> 6);
                d.layer_sync = (p[off] & 0x20) != 0;
            }
            if (has_k) d.key_idx = p[off] & 0x1f;
            off += 1;
        }
    }
    if (off >= p.size()) {
        return fail(Errc::malformed_input, fmt::format("VP8 packet has a {}-byte descriptor and no payload", off));
    }
    d.size = off;
    return d;
}

void Vp8Depacketizer::end_frame(std::vector<EncodedFrame>& out, TrackStats& stats) {
    if (!open_) return;
    open_ = false;
    if (broken_ || (need_keyframe_ && !frame_.keyframe)) {
        // A frame missing packets is undecodable, and so is everything that references it
        // until the next keyframe (RFC 6386 9.1: only key frames reset the references).
        if (broken_) need_keyframe_ = true;
        ++stats.frames_dropped;
        return;
    }
    if (frame_.keyframe) need_keyframe_ = false;
    ++stats.frames;
    out.push_back(std::move(frame_));
    frame_ = EncodedFrame{};
}

void Vp8Depacketizer::push(const MediaPacket& packet, std::vector<EncodedFrame>& out, TrackStats& stats) {
    const bool gap = last_sequence_ && packet.sequence != *last_sequence_ + 1;
    last_sequence_ = packet.sequence;

    if (gap) {
        // The open frame has not seen its marker: the missing packets include its tail (or
        // its marker). And whole frames may be missing, so references are unknown.
        if (open_) broken_ = true;
        need_keyframe_ = true;
    }
    // A new timestamp ends the previous frame even if its marker packet was lost.
    if (open_ && packet.timestamp != frame_.rtp_timestamp) end_frame(out, stats);

    auto d = Vp8Descriptor::parse(packet.payload);
    if (!d) {
        ++stats.malformed;
        if (open_) broken_ = true;
        return;
    }
    const Bytes vp8 = packet.payload.subspan(d->size);
    if (!open_) {
        open_ = true;
        broken_ = !d->frame_start();   // the frame's first packet is missing
        frame_ = EncodedFrame{};
        frame_.ssrc = packet.ssrc;
        frame_.rtp_timestamp = packet.timestamp;
        // RFC 7741 4.3 / RFC 6386 9.1: P (bit 0 of the first payload byte) is 0 on key frames.
        frame_.keyframe = d->frame_start() && (vp8[0] & 0x01) == 0;
    } else if (d->frame_start()) {
        broken_ = true;   // a second start within one timestamp: the stream is confused
    }
    frame_.data.insert(frame_.data.end(), vp8.begin(), vp8.end());
    frame_.arrival = packet.arrival;
    if (packet.marker) end_frame(out, stats);
}

void Vp8Depacketizer::finish(std::vector<EncodedFrame>& out, TrackStats& stats) { end_frame(out, stats); }

} // namespace tafel::ingest
