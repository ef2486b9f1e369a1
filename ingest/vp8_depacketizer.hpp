#pragma once
// VP8 over RTP (RFC 7741): the payload descriptor and frame reassembly.
#include "core/error.hpp"
#include "ingest/depacketizer.hpp"

#include <cstdint>
#include <optional>

namespace tafel::ingest {

// RFC 7741 4.2 payload descriptor.
struct Vp8Descriptor {
    bool extended = false;            // X
    bool non_reference = false;       // N
    bool start_of_partition = false;  // S
    std::uint8_t partition_id = 0;    // PID
    std::optional<std::uint16_t> picture_id;   // 7 or 15 bits (M)
    bool picture_id_15bit = false;
    std::optional<std::uint8_t> tl0_pic_idx;   // L
    std::optional<std::uint8_t> temporal_id;   // T: TID
    bool layer_sync = false;                   // T: Y
    std::optional<std::uint8_t> key_idx;       // K
    std::size_t size = 1;             // bytes of descriptor before the VP8 payload

    // The first packet of a frame: S=1 and PID=0 (RFC 7741 4.2).
    bool frame_start() const { return start_of_partition && partition_id == 0; }

    // Errc::malformed_input when the descriptor runs beyond the payload or nothing follows it.
    static Result<Vp8Descriptor> parse(Bytes payload);
};

class Vp8Depacketizer final : public Depacketizer {
public:
    void push(const MediaPacket& packet, std::vector<EncodedFrame>& out, TrackStats& stats) override;
    void finish(std::vector<EncodedFrame>& out, TrackStats& stats) override;

private:
    void end_frame(std::vector<EncodedFrame>& out, TrackStats& stats);

    bool open_ = false;               // a frame is being assembled
    bool broken_ = false;             // it lost a packet or its start
    bool need_keyframe_ = true;       // a decoder cannot start (or resume after loss) elsewhere
    std::optional<std::int64_t> last_sequence_;
    EncodedFrame frame_;
};

} // namespace tafel::ingest
