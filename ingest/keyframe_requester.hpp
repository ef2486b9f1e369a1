#pragma once
// Decides when the recorder asks a video sender for a keyframe with RTCP PLI (RFC 4585
// 6.3.1): when the stream starts without one (VP8: the first partition of a frame, S=1 and
// PID=0 in the payload descriptor (RFC 7741 4.2), has the inverse key frame bit P set (RFC 6386
// 9.1)), or when a sequence gap is not repaired within the reorder window. At most one request
// per min_interval. Pure logic on the receiver's thread: no socket, no clock of its own.
#include "core/time.hpp"
#include "ingest/rtp_packet.hpp"
#include "ingest/rtp_stream_stats.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <vector>

namespace tafel::ingest {

// True when `payload` (an RTP payload of VP8) starts a key frame; false for any other packet,
// including a truncated descriptor.
bool vp8_starts_keyframe(Bytes payload) noexcept;
// True when `payload` starts a VP8 frame (S=1, PID=0).
bool vp8_starts_frame(Bytes payload) noexcept;

enum class KeyframeCodec { none, vp8, vp9, h264 };

// What the first bytes of an RTP payload say about the frame: does the packet start one,
// and is that a key frame. VP8: RFC 7741 4.2 + RFC 6386 9.1. VP9: RFC 9628 4.2, B=1 with
// P=0 (not inter-picture predicted) of spatial layer 0. H.264: RFC 6184 5.6-5.8, an IDR
// slice (type 5) or an SPS (7, sent right before one) alone, in a STAP-A or starting a FU-A.
struct FrameStart {
    bool starts = false;
    bool key = false;
};
FrameStart classify_frame_start(KeyframeCodec codec, Bytes payload) noexcept;

class KeyframeRequester {
public:
    struct Options {
        // Start-without-keyframe detection needs the codec's payload format (none: gaps only).
        KeyframeCodec codec = KeyframeCodec::vp8;
        std::chrono::nanoseconds reorder_window = std::chrono::milliseconds(100);
        std::chrono::nanoseconds min_interval = std::chrono::seconds(1);
    };
    explicit KeyframeRequester(Options options) noexcept : options_(options) {}

    // Called for every written RTP packet after `stats` saw it (`update` is what it said).
    // True: send a PLI for `ssrc` now.
    bool on_rtp(std::uint32_t ssrc, Bytes payload, const RtpStreamStats::Update& update, const RtpStreamStats& stats,
                ArrivalTime now) noexcept;

    // The stream continues after a cut (a pause): as at its start, a delta frame before the
    // next key frame triggers a request.
    void expect_keyframe() noexcept { keyframe_seen_ = false; }

private:
    struct Gap {
        std::uint32_t ssrc = 0;
        std::int64_t first = 0;   // extended sequence numbers first..last were missing
        std::int64_t last = 0;
        std::int64_t deadline_ns = 0;
    };
    static constexpr std::size_t k_max_gaps = 16;   // older unresolved gaps are merged into a request

    bool allow(ArrivalTime now) noexcept;

    Options options_;
    bool keyframe_seen_ = false;
    std::array<Gap, k_max_gaps> gaps_{};
    std::size_t gap_count_ = 0;
    bool pending_ = false;        // a request is due (held back by the rate limit)
    std::int64_t last_request_ns_ = 0;
    bool requested_ = false;
};

// RFC 4585 6.1 + 6.3.1: V=2, FMT=1, PT=206 (PSFB), length 2, sender SSRC, media source SSRC.
std::array<std::uint8_t, 12> build_pli(std::uint32_t sender_ssrc, std::uint32_t media_ssrc) noexcept;

// RFC 5104 4.3.1.1: V=2, FMT=4, PT=206, length 4, sender SSRC, media source SSRC 0, then one
// FCI entry: the SSRC asked for a decoder refresh, its command sequence number, 3 reserved.
std::array<std::uint8_t, 20> build_fir(std::uint32_t sender_ssrc, std::uint32_t media_ssrc,
                                       std::uint8_t sequence) noexcept;

} // namespace tafel::ingest
