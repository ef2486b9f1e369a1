#include "ingest/vp9_depacketizer.hpp"

#include <fmt/format.h>

namespace tafel::ingest {

Result<Vp9Descriptor> Vp9Descriptor::parse(Bytes p) {
    if (p.empty()) return fail(Errc::malformed_input, "VP9 payload is empty");
    Vp9Descriptor d;
    // RFC 9628 4.2: |I|P|L|F|B|E|V|Z|
    const bool has_i = (p[0] & 0x80) != 0;
    d.inter_picture = (p[0] & 0x40) != 0;
    d.has_layers = (p[0] & 0x20) != 0;
    d.flexible = (p[0] & 0x10) != 0;
    d.begin = (p[0] & 0x08) != 0;
    d.end = (p[0] & 0x04) != 0;
    const bool has_v = (p[0] & 0x02) != 0;
    d.not_upswitch_ref = (p[0] & 0x01) != 0;
    std::size_t off = 1;
    auto need = [&](std::size_t n, const char* what) -> Result<void> {
        if (off + n > p.size()) {
            return fail(Errc::malformed_input, fmt::format("VP9 descriptor {} runs beyond the {}-byte payload", what, p.size()));
        }
        return {};
    };
    if (has_i) {
        if (auto r = need(1, "picture ID"); !r) return std::unexpected(r.error());
        if (p[off] & 0x80) {   // M: 15-bit picture ID
            if (auto r = need(2, "15-bit picture ID"); !r) return std::unexpected(r.error());
            d.picture_id = static_cast<std::uint16_t>(((p[off] & 0x7f) << 8) | p[off + 1]);
            d.picture_id_15bit = true;
            off += 2;
        } else {
            d.picture_id = p[off++] & 0x7f;
        }
    }
    if (d.has_layers) {
        // |TID|U| SID |D|, then TL0PICIDX in non-flexible mode only.
        if (auto r = need(1, "layer indices"); !r) return std::unexpected(r.error());
        d.temporal_id = static_cast<std::uint8_t>(p[off] >> 5);
        d.spatial_id = static_cast<std::uint8_t>((p[off] >> 1) & 0x07);
        ++off;
        if (!d.flexible) {
            if (auto r = need(1, "TL0PICIDX"); !r) return std::unexpected(r.error());
            d.tl0_pic_idx = p[off++];
        }
    }
    if (d.flexible && d.inter_picture) {
        // |P_DIFF|N|: up to three reference indices, N marks another one following.
        bool more = true;
        while (more) {
            if (d.reference_count == 3) return fail(Errc::malformed_input, "VP9 descriptor has more than 3 P_DIFF");
            if (auto r = need(1, "P_DIFF"); !r) return std::unexpected(r.error());
            more = (p[off++] & 0x01) != 0;
            ++d.reference_count;
        }
    }
    if (has_v) {
        // 4.2.1 scalability structure: |N_S|Y|G|RSV|, N_S+1 resolutions if Y, a group if G.
        if (auto r = need(1, "scalability structure"); !r) return std::unexpected(r.error());
        const int layers = (p[off] >> 5) + 1;
        const bool y = (p[off] & 0x10) != 0;
        const bool g = (p[off] & 0x08) != 0;
        ++off;
        d.spatial_layers = static_cast<std::uint8_t>(layers);
        if (y) {
            if (auto r = need(static_cast<std::size_t>(4 * layers), "layer resolutions"); !r) return std::unexpected(r.error());
            off += static_cast<std::size_t>(4 * layers);
        }
        if (g) {
            if (auto r = need(1, "N_G"); !r) return std::unexpected(r.error());
            const int pictures = p[off++];
            for (int i = 0; i < pictures; ++i) {
                if (auto r = need(1, "picture group entry"); !r) return std::unexpected(r.error());
                const std::size_t refs = (p[off] >> 2) & 0x03;
                ++off;
                if (auto r = need(refs, "picture group P_DIFF"); !r) return std::unexpected(r.error());
                off += refs;
            }
        }
    }
    if (off >= p.size()) {
        return fail(Errc::malformed_input, fmt::format("VP9 packet has a {}-byte descriptor and no payload", off));
    }
    d.size = off;
    return d;
}

namespace {

// VP9 bitstream spec Annex B: frames joined by a trailing index, so that a decoder given the
// whole picture decodes every layer and shows the last one.
std::vector<std::uint8_t> superframe(const std::vector<const std::vector<std::uint8_t>*>& frames) {
    std::size_t largest = 0;
    std::vector<std::uint8_t> out;
    for (const auto* f : frames) {
        largest = std::max(largest, f->size());
        out.insert(out.end(), f->begin(), f->end());
    }
    const int mag = largest <= 0xff ? 1 : largest <= 0xffff ? 2 : largest <= 0xffffff ? 3 : 4;
    const auto marker = static_cast<std::uint8_t>(0xc0 | ((mag - 1) << 3) | (frames.size() - 1));
    out.push_back(marker);
    for (const auto* f : frames) {
        for (int b = 0; b < mag; ++b) out.push_back(static_cast<std::uint8_t>(f->size() >> (8 * b)));
    }
    out.push_back(marker);
    return out;
}

} // namespace

void Vp9Depacketizer::end_picture(std::vector<EncodedFrame>& out, TrackStats& stats) {
    if (!open_) return;
    open_ = false;
    current_layer_ = -1;
    if (frame_.keyframe) layer_limit_ = k_max_layers - 1;   // a keyframe restarts every layer
    // The highest layer k such that 0..k are all complete.
    int top = -1;
    while (top + 1 <= layer_limit_ && layers_[static_cast<std::size_t>(top + 1)].complete) ++top;
    // A layer above it that arrived damaged (or with a lower layer missing) cannot be used
    // again until a keyframe: its next frames predict from the one lost here.
    for (int s = top + 1; s <= layer_limit_; ++s) {
        if (layers_[static_cast<std::size_t>(s)].present) {
            layer_limit_ = top;
            break;
        }
    }
    const bool decodable = top >= 0 && (!need_keyframe_ || frame_.keyframe);
    if (!decodable) {
        if (top < 0) need_keyframe_ = true;
        ++stats.frames_dropped;
    } else {
        need_keyframe_ = false;
        if (top == 0) {
            frame_.data = std::move(layers_[0].data);
        } else {
            std::vector<const std::vector<std::uint8_t>*> parts;
            for (int s = 0; s <= top; ++s) parts.push_back(&layers_[static_cast<std::size_t>(s)].data);
            frame_.data = superframe(parts);
        }
        ++stats.frames;
        out.push_back(std::move(frame_));
    }
    frame_ = EncodedFrame{};
    layers_ = {};
}

void Vp9Depacketizer::push(const MediaPacket& packet, std::vector<EncodedFrame>& out, TrackStats& stats) {
    const bool gap = last_sequence_ && packet.sequence != *last_sequence_ + 1;
    last_sequence_ = packet.sequence;
    const bool new_picture = open_ && packet.timestamp != frame_.rtp_timestamp;
    auto d = Vp9Descriptor::parse(packet.payload);
    if (gap) {
        // The layer frame being assembled lost its tail. A gap that crosses pictures may
        // have taken whole pictures, whose successors cannot be decoded — unless this packet
        // starts the picture right after the last one (RFC 9628 4.2: picture ID + 1).
        if (current_layer_ >= 0) layers_[static_cast<std::size_t>(current_layer_)].broken = true;
        if (!open_ || new_picture) {
            const bool next_picture = d && d->begin && d->spatial_id == 0 && d->picture_id && last_picture_id_ &&
                                      ((*last_picture_id_ + 1) & (d->picture_id_15bit ? 0x7fff : 0x7f)) == *d->picture_id;
            if (!next_picture) need_keyframe_ = true;
        }
    }
    if (new_picture) end_picture(out, stats);
    if (!d) {
        ++stats.malformed;
        if (current_layer_ >= 0) layers_[static_cast<std::size_t>(current_layer_)].broken = true;
        return;
    }
    if (d->picture_id) last_picture_id_ = d->picture_id;
    if (!open_) {
        open_ = true;
        frame_ = EncodedFrame{};
        frame_.ssrc = packet.ssrc;
        frame_.rtp_timestamp = packet.timestamp;
    }
    Layer& layer = layers_[d->spatial_id];
    if (d->begin) {
        if (layer.present) layer.broken = true;   // a second start of one layer in one picture
        layer.present = true;
        layer.open = true;
        // RFC 9628 4.2: P=0 on the base layer's start means no inter-picture prediction.
        if (d->spatial_id == 0 && !d->inter_picture) frame_.keyframe = true;
    } else if (!layer.open) {
        layer.present = true;
        layer.broken = true;   // the layer frame's first packet is missing
    }
    if (current_layer_ >= 0 && current_layer_ != d->spatial_id && layers_[static_cast<std::size_t>(current_layer_)].open) {
        layers_[static_cast<std::size_t>(current_layer_)].broken = true;   // it never saw E
        layers_[static_cast<std::size_t>(current_layer_)].open = false;
    }
    current_layer_ = d->spatial_id;
    const Bytes vp9 = packet.payload.subspan(d->size);
    layer.data.insert(layer.data.end(), vp9.begin(), vp9.end());
    frame_.arrival = packet.arrival;
    if (d->end) {
        layer.open = false;
        layer.complete = !layer.broken;
        current_layer_ = -1;
    }
    if (packet.marker) end_picture(out, stats);
}

void Vp9Depacketizer::finish(std::vector<EncodedFrame>& out, TrackStats& stats) { end_picture(out, stats); }

} // namespace tafel::ingest
