#pragma once
// Real media as RTP for tests that send to a running recorder: VP8 frames from libvpx
// packetized per RFC 7741 and Opus frames from libopus per RFC 7587, encoded once up front so
// that a test can replay them on a schedule and know exactly which datagram left when.
#include <cstdint>
#include <vector>

namespace tafel::test {

struct RtpDatagram {
    std::int64_t send_us = 0;        // when to send it, from the start of the stream
    std::uint16_t seq = 0;           // RTP sequence number (0 for RTCP)
    bool rtcp = false;               // an RTCP sender report (RFC 3550 6.4.1)
    std::vector<std::uint8_t> bytes; // the whole UDP payload
};

struct RtpMediaOptions {
    int seconds = 3;
    int width = 320, height = 180, fps = 15;
    int keyframe_every = 15;                      // frames: every kill point is at most a second from a keyframe
    std::uint16_t first_seq = 65'500;             // just before the 16-bit wrap
    std::uint32_t first_timestamp = 0xFFFF'F000u; // just before the 32-bit wrap
    std::int64_t report_every_us = 500'000;       // an SR this often (the first one at 0)
};

// One VP8 stream (PT 96, 90 kHz) of a moving bright square on grey, ordered by send time.
std::vector<RtpDatagram> vp8_stream(const RtpMediaOptions& options, std::uint32_t ssrc, int shade);
// One Opus stream (PT 111, 48 kHz, stereo, 20 ms frames) of a tone at `tone_hz`.
std::vector<RtpDatagram> opus_stream(const RtpMediaOptions& options, std::uint32_t ssrc, int tone_hz);

} // namespace tafel::test
