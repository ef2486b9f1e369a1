#pragma once
// H.264 over RTP (RFC 6184): single NAL unit packets, STAP-A and FU-A — everything of
// packetization modes 0 (single NAL) and 1 (non-interleaved); the interleaved mode's
// STAP-B, MTAP and FU-B are counted as malformed. Frames leave as Annex B access units
// (start code 00 00 00 01 before each NAL unit), the form libavcodec's parser-less decoding
// and every H.264 muxer accept.
#include "ingest/depacketizer.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace tafel::ingest {

class H264Depacketizer final : public Depacketizer {
public:
    void push(const MediaPacket& packet, std::vector<EncodedFrame>& out, TrackStats& stats) override;
    void finish(std::vector<EncodedFrame>& out, TrackStats& stats) override;

private:
    void add_nal(Bytes nal);
    void end_frame(std::vector<EncodedFrame>& out, TrackStats& stats);

    bool open_ = false;
    bool broken_ = false;
    bool need_keyframe_ = true;
    bool saw_slice_ = false;     // the access unit holds a coded slice (types 1-5)
    bool headed_ = false;        // its first slice has first_mb_in_slice = 0
    bool has_sps_ = false;       // it carries its own parameter sets
    bool has_pps_ = false;
    bool fu_open_ = false;       // an FU-A is being reassembled (RFC 6184 5.8)
    std::vector<std::uint8_t> fu_;
    // The latest parameter sets seen: an IDR that arrives without them (sent once, out of
    // band, or in an earlier access unit) gets them prepended; a new SPS (resolution change)
    // replaces the old one.
    std::vector<std::uint8_t> sps_;
    std::vector<std::uint8_t> pps_;
    std::optional<std::int64_t> last_sequence_;
    EncodedFrame frame_;
};

} // namespace tafel::ingest
