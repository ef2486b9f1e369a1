#pragma once
// Turns a track's RTP packets (in sequence order, unwrapped, duplicates removed, gaps
// possible) into whole encoded frames. One implementation per codec.
#include "core/error.hpp"
#include "core/time.hpp"
#include "ingest/rtp_packet.hpp"
#include "ingest/track_reader.hpp"

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace tafel::ingest {

struct MediaPacket {
    std::uint32_t ssrc = 0;
    std::int64_t sequence = 0;     // unwrapped
    std::int64_t timestamp = 0;    // unwrapped
    bool marker = false;
    ArrivalTime arrival;
    Bytes payload;                 // the RTP payload (padding removed)
};

class Depacketizer {
public:
    virtual ~Depacketizer() = default;

    // Feeds one packet; completed frames are appended to `out`. Malformed payloads, frames
    // with a sequence gap and (video) frames waiting for a keyframe are counted in `stats`.
    virtual void push(const MediaPacket& packet, std::vector<EncodedFrame>& out, TrackStats& stats) = 0;

    // The end of the track: a frame still open is emitted if it is complete so far.
    virtual void finish(std::vector<EncodedFrame>& out, TrackStats& stats) = 0;

    // "VP8", "VP9", "H264" or "opus" (case-insensitive); anything else is Errc::unsupported naming the codec.
    static Result<std::unique_ptr<Depacketizer>> create(std::string_view codec);
};

} // namespace tafel::ingest
