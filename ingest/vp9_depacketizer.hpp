#pragma once
// VP9 over RTP (RFC 9628): the payload descriptor and frame reassembly, flexible and
// non-flexible mode, with spatial layers.
#include "core/error.hpp"
#include "ingest/depacketizer.hpp"

#include <array>
#include <cstdint>
#include <optional>

namespace tafel::ingest {

// RFC 9628 4.2 payload descriptor (and the scalability structure of 4.2.1, summarised).
struct Vp9Descriptor {
    bool inter_picture = false;      // P: the frame references earlier pictures
    bool flexible = false;           // F
    bool begin = false;              // B: first packet of a layer frame
    bool end = false;                // E: last packet of a layer frame
    bool not_upswitch_ref = false;   // Z
    std::optional<std::uint16_t> picture_id;   // I: 7 or 15 bits (M)
    bool picture_id_15bit = false;
    std::uint8_t temporal_id = 0;    // L: TID
    std::uint8_t spatial_id = 0;     // L: SID (0 without L)
    bool has_layers = false;
    std::optional<std::uint8_t> tl0_pic_idx;   // L in non-flexible mode
    std::uint8_t reference_count = 0;          // F ∧ P: P_DIFF entries (at most 3)
    std::optional<std::uint8_t> spatial_layers;   // V: N_S + 1
    std::size_t size = 1;            // bytes of descriptor before the VP9 payload

    // Errc::malformed_input when a field runs beyond the payload or nothing follows it.
    static Result<Vp9Descriptor> parse(Bytes payload);
};

// Reassembles pictures. A picture (one RTP timestamp) holds one layer frame per spatial
// layer, lowest first. The output keeps the highest layer that is complete together with
// every layer below it (which it predicts from), joined as a VP9 superframe (VP9 bitstream
// spec, Annex B) when there is more than one. A base layer that is incomplete drops the
// picture and everything until the next keyframe; an incomplete upper layer stops that layer
// (and those above it) until the next keyframe, while the layers below it continue. A loss
// between pictures is harmless only when picture IDs show that no whole picture is missing.
class Vp9Depacketizer final : public Depacketizer {
public:
    void push(const MediaPacket& packet, std::vector<EncodedFrame>& out, TrackStats& stats) override;
    void finish(std::vector<EncodedFrame>& out, TrackStats& stats) override;

    static constexpr int k_max_layers = 8;   // SID is 3 bits

private:
    struct Layer {
        bool present = false;
        bool open = false;       // B seen, E not yet
        bool complete = false;   // B … E without loss
        bool broken = false;
        std::vector<std::uint8_t> data;
    };

    void end_picture(std::vector<EncodedFrame>& out, TrackStats& stats);

    bool open_ = false;
    bool need_keyframe_ = true;
    int layer_limit_ = k_max_layers - 1;   // the highest spatial layer still decodable
    int current_layer_ = -1;               // the layer frame being assembled
    std::optional<std::int64_t> last_sequence_;
    std::optional<std::uint16_t> last_picture_id_;
    std::array<Layer, k_max_layers> layers_{};
    EncodedFrame frame_;
};

} // namespace tafel::ingest
