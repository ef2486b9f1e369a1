#include "rtp_media.hpp"

#include <opus/opus.h>
#include <vpx/vp8cx.h>
#include <vpx/vpx_encoder.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
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

void put16(std::vector<std::uint8_t>& b, std::uint32_t v) {
    b.push_back(static_cast<std::uint8_t>(v >> 8));
    b.push_back(static_cast<std::uint8_t>(v));
}
void put32(std::vector<std::uint8_t>& b, std::uint32_t v) {
    put16(b, v >> 16);
    put16(b, v & 0xffff);
}

// RTP header (RFC 3550 5.1) and SR (6.4.1) writer for one SSRC.
class Packetizer {
public:
    Packetizer(std::uint8_t pt, std::uint32_t ssrc, int clock_rate, const RtpMediaOptions& o)
        : pt_(pt), ssrc_(ssrc), clock_rate_(clock_rate), seq_(o.first_seq), ts0_(o.first_timestamp),
          report_every_us_(o.report_every_us) {}

    std::uint32_t timestamp_at(std::int64_t us) const {
        return ts0_ + static_cast<std::uint32_t>(us * clock_rate_ / 1'000'000);
    }

    void rtp(std::int64_t send_us, std::uint32_t ts, bool marker, std::uint8_t prefix,
             std::span<const std::uint8_t> payload, bool with_prefix) {
        while (send_us >= next_report_us_) {
            // NTP (bytes 8..15) is stamped by the sender at the moment it sends (stamp_ntp).
            std::vector<std::uint8_t> sr{0x80, 200};
            put16(sr, 6);
            put32(sr, ssrc_);
            put32(sr, 0);
            put32(sr, 0);
            put32(sr, timestamp_at(next_report_us_));
            put32(sr, packets_);
            put32(sr, octets_);
            out.push_back({next_report_us_, 0, true, std::move(sr)});
            next_report_us_ += report_every_us_;
        }
        std::vector<std::uint8_t> b{0x80, static_cast<std::uint8_t>((marker ? 0x80 : 0) | pt_)};
        const std::uint16_t seq = seq_++;
        put16(b, seq);
        put32(b, ts);
        put32(b, ssrc_);
        if (with_prefix) b.push_back(prefix);
        b.insert(b.end(), payload.begin(), payload.end());
        ++packets_;
        octets_ += static_cast<std::uint32_t>(b.size() - 12);
        out.push_back({send_us, seq, false, std::move(b)});
    }

    std::vector<RtpDatagram> out;

private:
    std::uint8_t pt_;
    std::uint32_t ssrc_;
    int clock_rate_;
    std::uint16_t seq_;
    std::uint32_t ts0_;
    std::int64_t report_every_us_;
    std::int64_t next_report_us_ = 0;
    std::uint32_t packets_ = 0, octets_ = 0;
};

// libvpx's encoder context is a by-value handle: destroyed only once initialised.
class Vp8Encoder {
public:
    Vp8Encoder(int w, int h, int fps) {
        vpx_codec_enc_cfg_t cfg;
        check(vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &cfg, 0) == VPX_CODEC_OK, "vpx config");
        cfg.g_w = static_cast<unsigned>(w);
        cfg.g_h = static_cast<unsigned>(h);
        cfg.g_timebase = {1, fps};
        cfg.rc_target_bitrate = 300;
        cfg.rc_end_usage = VPX_CBR;
        cfg.g_lag_in_frames = 0;
        cfg.g_threads = 1;
        cfg.kf_mode = VPX_KF_DISABLED; // keyframes exactly where asked
        check(vpx_codec_enc_init(&ctx_, vpx_codec_vp8_cx(), &cfg, 0) == VPX_CODEC_OK, "vpx init");
        vpx_codec_control(&ctx_, VP8E_SET_CPUUSED, 16);
        check(vpx_img_alloc(&image, VPX_IMG_FMT_I420, static_cast<unsigned>(w), static_cast<unsigned>(h), 16) !=
                  nullptr,
              "vpx image");
    }
    ~Vp8Encoder() {
        vpx_img_free(&image);
        vpx_codec_destroy(&ctx_);
    }
    Vp8Encoder(const Vp8Encoder&) = delete;
    Vp8Encoder& operator=(const Vp8Encoder&) = delete;

    std::vector<std::uint8_t> encode(std::int64_t pts, bool key) {
        check(vpx_codec_encode(&ctx_, &image, pts, 1, key ? VPX_EFLAG_FORCE_KF : 0, VPX_DL_REALTIME) == VPX_CODEC_OK,
              "vpx encode");
        std::vector<std::uint8_t> out;
        vpx_codec_iter_t iter = nullptr;
        while (const vpx_codec_cx_pkt_t* pkt = vpx_codec_get_cx_data(&ctx_, &iter)) {
            if (pkt->kind != VPX_CODEC_CX_FRAME_PKT) continue;
            const auto* bytes = static_cast<const std::uint8_t*>(pkt->data.frame.buf);
            out.insert(out.end(), bytes, bytes + pkt->data.frame.sz);
        }
        return out;
    }

    vpx_image_t image{};

private:
    vpx_codec_ctx_t ctx_{};
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

struct OpusDeleter {
    void operator()(OpusEncoder* e) const noexcept { opus_encoder_destroy(e); }
};

} // namespace

std::vector<RtpDatagram> vp8_stream(const RtpMediaOptions& o, std::uint32_t ssrc, int shade) {
    Vp8Encoder encoder(o.width, o.height, o.fps);
    Packetizer p(96, ssrc, 90'000, o);
    const int frames = o.seconds * o.fps;
    for (int f = 0; f < frames; ++f) {
        const std::int64_t at_us = std::int64_t{f} * 1'000'000 / o.fps;
        paint(encoder.image, f, shade);
        const auto frame = encoder.encode(f, f % o.keyframe_every == 0);
        check(!frame.empty(), "libvpx gave no frame");
        // RFC 7741 4.2: one-byte descriptor, S=1 on the first packet of the frame, PID 0.
        for (std::size_t off = 0; off < frame.size(); off += k_max_payload) {
            const std::size_t n = std::min(k_max_payload, frame.size() - off);
            p.rtp(at_us, p.timestamp_at(at_us), off + n == frame.size(), off == 0 ? 0x10 : 0x00,
                  std::span(frame).subspan(off, n), true);
        }
    }
    return std::move(p.out);
}

std::vector<RtpDatagram> opus_stream(const RtpMediaOptions& o, std::uint32_t ssrc, int tone_hz) {
    int err = 0;
    std::unique_ptr<OpusEncoder, OpusDeleter> enc(opus_encoder_create(48'000, 2, OPUS_APPLICATION_AUDIO, &err));
    check(err == OPUS_OK && enc, "opus_encoder_create");
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
        p.rtp(at_us, p.timestamp_at(at_us), false, 0, std::span(packet).first(static_cast<std::size_t>(n)), false);
    }
    return std::move(p.out);
}

} // namespace tafel::test
