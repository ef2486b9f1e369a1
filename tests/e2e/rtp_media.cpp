#include "rtp_media.hpp"

#include "tests/support/opus_encoder.hpp"
#include "tests/support/rtp_packets.hpp"
#include "tests/support/vp8_encoder.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>
#include <span>
#include <stdexcept>
#include <string>

namespace tafel::test {
namespace {

constexpr std::size_t k_max_payload = 1000; // bytes of VP8 per packet, below a 1200 B path MTU

void check(bool ok, const std::string& what) {
    if (!ok) throw std::runtime_error("rtp media: " + what);
}

// One SSRC's datagrams: its packets and an SR on a fixed schedule (RFC 3550 6.4.1).
class Packetizer {
public:
    Packetizer(std::uint8_t pt, std::uint32_t ssrc, int clock_rate, const RtpMediaOptions& o)
        : writer_(pt, ssrc, o.first_seq), clock_rate_(clock_rate), ts0_(o.first_timestamp),
          report_every_us_(o.report_every_us) {}

    std::uint32_t timestamp_at(std::int64_t us) const {
        return ts0_ + static_cast<std::uint32_t>(us * clock_rate_ / 1'000'000);
    }

    void rtp(std::int64_t send_us, std::uint32_t ts, bool marker, std::span<const std::uint8_t> prefix,
             std::span<const std::uint8_t> payload) {
        while (send_us >= next_report_us_) {
            // NTP (bytes 8..15) is stamped by the sender at the moment it sends (stamp_ntp).
            out.push_back({next_report_us_, 0, true, writer_.sender_report(0, timestamp_at(next_report_us_))});
            next_report_us_ += report_every_us_;
        }
        const std::uint16_t seq = writer_.next_seq();
        out.push_back({send_us, seq, false, writer_.packet(ts, marker, prefix, payload)});
    }

    std::vector<RtpDatagram> out;

private:
    RtpPacketWriter writer_;
    int clock_rate_;
    std::uint32_t ts0_;
    std::int64_t report_every_us_;
    std::int64_t next_report_us_ = 0;
};

void paint(vpx_image_t& img, int frame, int shade) {
    for (int plane = 0; plane < 3; ++plane) {
        const int sub = plane == 0 ? 0 : 1;
        const int w = static_cast<int>(img.d_w + sub) >> sub, h = static_cast<int>(img.d_h + sub) >> sub;
        for (int y = 0; y < h; ++y) {
            std::memset(img.planes[plane] + static_cast<std::ptrdiff_t>(y) * img.stride[plane], plane == 0 ? 90 : 128,
                        static_cast<std::size_t>(w));
        }
    }
    // A 40x40 square moving 8 px per frame: real motion, so delta frames carry data.
    const int x0 = (frame * 8) % static_cast<int>(img.d_w - 40), y0 = 70;
    for (int y = y0; y < y0 + 40; ++y) {
        std::memset(img.planes[0] + static_cast<std::ptrdiff_t>(y) * img.stride[0] + x0, std::clamp(shade, 16, 235),
                    40);
    }
}

} // namespace

std::vector<RtpDatagram> vp8_stream(const RtpMediaOptions& o, std::uint32_t ssrc, int shade) {
    Vp8Encoder encoder(o.width, o.height, o.fps, 300);
    Packetizer p(96, ssrc, 90'000, o);
    const int frames = o.seconds * o.fps;
    for (int f = 0; f < frames; ++f) {
        const std::int64_t at_us = std::int64_t{f} * 1'000'000 / o.fps;
        paint(encoder.image, f, shade);
        const auto frame = encoder.encode(f, f % o.keyframe_every == 0);
        check(!frame.empty(), "libvpx gave no frame");
        for (const Vp8Fragment& part : vp8_fragments(frame, k_max_payload)) {
            p.rtp(at_us, p.timestamp_at(at_us), part.last, std::span(&part.descriptor, 1), part.payload);
        }
    }
    return std::move(p.out);
}

std::vector<RtpDatagram> opus_stream(const RtpMediaOptions& o, std::uint32_t ssrc, int tone_hz) {
    const OpusEncoderPtr enc = make_opus_encoder(OPUS_APPLICATION_AUDIO);
    Packetizer p(111, ssrc, 48'000, o);
    constexpr int k_samples = 960; // 20 ms at 48 kHz (RFC 7587 4.2)
    std::vector<std::int16_t> pcm(k_samples * 2);
    std::vector<std::uint8_t> packet(1500);
    const int frames = o.seconds * 50;
    for (int f = 0; f < frames; ++f) {
        for (int i = 0; i < k_samples; ++i) {
            const double t = static_cast<double>(f * k_samples + i) / 48'000.0;
            const auto v = static_cast<std::int16_t>(8000.0 * std::sin(2.0 * std::numbers::pi * tone_hz * t));
            pcm[static_cast<std::size_t>(2 * i)] = v;
            pcm[static_cast<std::size_t>(2 * i + 1)] = v;
        }
        const int n = opus_encode(enc.get(), pcm.data(), k_samples, packet.data(), static_cast<int>(packet.size()));
        check(n > 0, "opus_encode");
        const std::int64_t at_us = std::int64_t{f} * 20'000;
        p.rtp(at_us, p.timestamp_at(at_us), false, {}, std::span(packet).first(static_cast<std::size_t>(n)));
    }
    return std::move(p.out);
}

} // namespace tafel::test
