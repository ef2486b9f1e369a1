#include "ingest/h264_depacketizer.hpp"

namespace tafel::ingest {

namespace {

// H.264 7.4.1.2.3 / table 7-1 NAL unit types.
constexpr int k_nal_slice = 1;
constexpr int k_nal_idr = 5;
constexpr int k_nal_sps = 7;
constexpr int k_nal_pps = 8;
// RFC 6184 5.2 table 1: aggregation and fragmentation packet types.
constexpr int k_stap_a = 24;
constexpr int k_fu_a = 28;

constexpr std::uint8_t k_start_code[] = {0, 0, 0, 1};

void append_annex_b(std::vector<std::uint8_t>& out, Bytes nal) {
    out.insert(out.end(), std::begin(k_start_code), std::end(k_start_code));
    out.insert(out.end(), nal.begin(), nal.end());
}

} // namespace

void H264Depacketizer::add_nal(Bytes nal) {
    const int type = nal[0] & 0x1f;
    if (type == k_nal_sps) {
        sps_.assign(nal.begin(), nal.end());
        has_sps_ = true;
    } else if (type == k_nal_pps) {
        pps_.assign(nal.begin(), nal.end());
        has_pps_ = true;
    } else if (type >= k_nal_slice && type <= k_nal_idr) {
        if (!saw_slice_) {
            saw_slice_ = true;
            // 7.3.3: the slice header starts with ue(v) first_mb_in_slice; 0 codes as a
            // single 1 bit. Any other value means the picture's first slice is missing.
            headed_ = nal.size() > 1 && (nal[1] & 0x80) != 0;
        }
        if (type == k_nal_idr) frame_.keyframe = true;
    }
    append_annex_b(frame_.data, nal);
}

void H264Depacketizer::end_frame(std::vector<EncodedFrame>& out, TrackStats& stats) {
    if (!open_) return;
    open_ = false;
    if (fu_open_) broken_ = true;   // the access unit ended inside a fragmented NAL unit
    fu_open_ = false;
    fu_.clear();
    if (!saw_slice_ && !broken_) {
        // Parameter sets or SEI alone (sent ahead of a keyframe, RFC 6184 8.4): already kept.
        frame_ = EncodedFrame{};
        return;
    }
    if (!headed_) broken_ = true;
    const bool usable = !broken_ && (!need_keyframe_ || frame_.keyframe) &&
                        (!frame_.keyframe || ((has_sps_ || !sps_.empty()) && (has_pps_ || !pps_.empty())));
    if (!usable) {
        if (broken_) need_keyframe_ = true;
        ++stats.frames_dropped;
        frame_ = EncodedFrame{};
        return;
    }
    if (frame_.keyframe) {
        need_keyframe_ = false;
        if (!has_sps_ || !has_pps_) {
            std::vector<std::uint8_t> head;
            if (!has_sps_) append_annex_b(head, sps_);
            if (!has_pps_) append_annex_b(head, pps_);
            frame_.data.insert(frame_.data.begin(), head.begin(), head.end());
        }
    }
    ++stats.frames;
    out.push_back(std::move(frame_));
    frame_ = EncodedFrame{};
}

void H264Depacketizer::push(const MediaPacket& packet, std::vector<EncodedFrame>& out, TrackStats& stats) {
    const bool gap = last_sequence_ && packet.sequence != *last_sequence_ + 1;
    last_sequence_ = packet.sequence;
    if (gap) {
        if (open_) broken_ = true;
        need_keyframe_ = true;
    }
    // With B-frames the timestamps are not monotonic (RFC 6184 5.1: the timestamp is the
    // presentation time, packets go in decoding order): any change ends the access unit.
    if (open_ && packet.timestamp != frame_.rtp_timestamp) end_frame(out, stats);
    if (!open_) {
        open_ = true;
        broken_ = false;
        saw_slice_ = headed_ = has_sps_ = has_pps_ = false;
        frame_ = EncodedFrame{};
        frame_.ssrc = packet.ssrc;
        frame_.rtp_timestamp = packet.timestamp;
    }
    frame_.arrival = packet.arrival;
    const Bytes p = packet.payload;
    auto malformed = [&] {
        ++stats.malformed;
        broken_ = true;
    };
    // RFC 6184 5.3: F (forbidden_zero_bit) set means the unit is known to be damaged.
    if (p.empty() || (p[0] & 0x80) != 0) {
        malformed();
    } else if (const int type = p[0] & 0x1f; type >= 1 && type <= 23) {
        if (fu_open_) broken_ = true;   // the FU-A's end packet is missing
        fu_open_ = false;
        add_nal(p);
    } else if (type == k_stap_a) {
        // 5.7.1: after the STAP-A header, NAL units each prefixed by a 16-bit size.
        std::size_t off = 1;
        while (off < p.size()) {
            if (off + 2 > p.size()) {
                malformed();
                break;
            }
            const std::size_t n = (std::size_t{p[off]} << 8) | p[off + 1];
            off += 2;
            if (n == 0 || off + n > p.size() || (p[off] & 0x80) != 0) {
                malformed();
                break;
            }
            add_nal(p.subspan(off, n));
            off += n;
        }
    } else if (type == k_fu_a) {
        // 5.8: FU indicator (F, NRI, 28) + FU header |S|E|R|Type| + fragment.
        if (p.size() < 3 || ((p[1] & 0x80) && (p[1] & 0x40))) {
            malformed();   // S and E in one fragment is forbidden (5.8)
        } else if (p[1] & 0x80) {
            if (fu_open_) broken_ = true;
            fu_open_ = true;
            fu_.assign({static_cast<std::uint8_t>((p[0] & 0xe0) | (p[1] & 0x1f))});
            fu_.insert(fu_.end(), p.begin() + 2, p.end());
        } else if (!fu_open_) {
            broken_ = true;   // a fragment whose start was lost
        } else {
            fu_.insert(fu_.end(), p.begin() + 2, p.end());
            if (p[1] & 0x40) {
                fu_open_ = false;
                add_nal(fu_);
                fu_.clear();
            }
        }
    } else {
        malformed();   // 0, 30, 31 reserved; STAP-B, MTAP16/24, FU-B are interleaved mode only
    }
    if (packet.marker) end_frame(out, stats);
}

void H264Depacketizer::finish(std::vector<EncodedFrame>& out, TrackStats& stats) { end_frame(out, stats); }

} // namespace tafel::ingest
