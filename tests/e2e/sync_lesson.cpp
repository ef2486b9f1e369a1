#include "sync_lesson.hpp"

#include "core/time.hpp"
#include "ingest/pcap_writer.hpp"
#include "ingest/raw_recording.hpp"
#include "samples/sync_markers.hpp"

#include "tests/support/opus_encoder.hpp"
#include "tests/support/rtp_packets.hpp"
#include "tests/support/vp8_encoder.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <random>
#include <stdexcept>

namespace tafel::test {
namespace {

constexpr std::int64_t k_start_us = 1'767'225'600'000'000; // 2026-01-01T00:00:00Z
const ClockAnchor k_anchor{ArrivalTime{7'000'000'000}, WallTime{k_start_us}};
constexpr std::uint32_t k_video_ssrc = 0x5157'0001, k_audio_ssrc = 0x5157'0002;
// Near the 32-bit wrap, so that the pipeline's unwrapping is part of every sync test.
constexpr std::uint32_t k_video_rtp_base = 0xFFF0'0000u, k_audio_rtp_base = 0xFFFF'0000u;
constexpr std::size_t k_max_payload = 1000;

void check(bool ok, const std::string& what) {
    if (!ok) throw std::runtime_error("sync lesson: " + what);
}

// One datagram on its way: sent at send_us (sender's wall clock, µs from the lesson start).
struct Datagram {
    std::int64_t send_us = 0;
    std::int64_t arrival_us = 0;
    bool rtp = true;
    std::uint64_t order = 0; // send order, to measure reordering
    std::vector<std::uint8_t> bytes;
};

// One RTP stream of one sender (RFC 3550 5.1), with an SR every second (6.4.1).
class Stream {
public:
    Stream(std::uint8_t pt, std::uint32_t ssrc, std::uint16_t seq_base, bool reports)
        : writer_(pt, ssrc, seq_base), reports_(reports) {}

    void rtp(std::int64_t send_us, std::uint32_t ts, bool marker, std::span<const std::uint8_t> prefix,
             std::span<const std::uint8_t> payload, std::uint32_t ts_at_send) {
        if (reports_ && send_us >= next_report_us_) {
            next_report_us_ = send_us + 1'000'000;
            out.push_back({send_us, 0, false, 0,
                           writer_.sender_report(ntp_from_wall(WallTime{k_start_us + send_us}), ts_at_send)});
        }
        out.push_back({send_us, 0, true, 0, writer_.packet(ts, marker, prefix, payload)});
    }

    std::vector<Datagram> out;

private:
    RtpPacketWriter writer_;
    bool reports_;
    std::int64_t next_report_us_ = 0;
};

// The loss / jitter / reordering stage between sender and recorder. SRs are delayed like
// media but never lost (a lost SR only thins the fit; the tests are about media loss).
void impair(std::vector<Datagram>& d, double loss, const SyncLessonOptions& o, std::mt19937_64& rng,
            SyncLesson& lesson, std::vector<bool>& lost_out) {
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::uniform_int_distribution<std::int64_t> jitter(0, o.jitter_ms * 1000);
    std::uniform_int_distribution<int> behind(1, std::max(1, o.reorder_max));
    std::vector<Datagram> kept;
    lost_out.assign(d.size(), false);
    for (std::size_t i = 0; i < d.size(); ++i) {
        d[i].order = i;
        if (d[i].rtp) {
            ++lesson.rtp_packets;
            if (unit(rng) < loss) {
                lost_out[i] = true;
                ++lesson.lost;
                continue;
            }
        }
        d[i].arrival_us = d[i].send_us + o.network_delay_ms * 1000 + jitter(rng);
        kept.push_back(std::move(d[i]));
    }
    std::stable_sort(kept.begin(), kept.end(), [](const Datagram& a, const Datagram& b) { return a.arrival_us < b.arrival_us; });
    if (o.reorder_max > 0) {
        for (std::size_t i = 0; i + 1 < kept.size(); ++i) {
            if (unit(rng) >= o.reorder_share) continue;
            const std::size_t to = std::min(kept.size() - 1, i + static_cast<std::size_t>(behind(rng)));
            std::rotate(kept.begin() + static_cast<std::ptrdiff_t>(i), kept.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                        kept.begin() + static_cast<std::ptrdiff_t>(to) + 1);
            kept[to].arrival_us = std::max(kept[to].arrival_us, kept[to - 1].arrival_us);
        }
        for (std::size_t i = 1; i < kept.size(); ++i) kept[i].arrival_us = std::max(kept[i].arrival_us, kept[i - 1].arrival_us);
    }
    // Reordering as a receiver sees it: a packet that arrives after packets sent later.
    for (std::size_t i = 0; i < kept.size(); ++i) {
        int later_before = 0;
        for (std::size_t j = (i >= 64 ? i - 64 : 0); j < i; ++j) later_before += kept[j].order > kept[i].order ? 1 : 0;
        if (later_before > 0) ++lesson.reordered;
        lesson.max_reorder_distance = std::max(lesson.max_reorder_distance, later_before);
    }
    d = std::move(kept);
}

void write_pcap(const std::filesystem::path& file, std::uint16_t port, const std::vector<Datagram>& d) {
    auto w = ingest::PcapWriter::create(file, k_anchor);
    check(w.has_value(), "create " + file.string());
    const ingest::UdpEndpoint from{{10, 0, 0, 7}, 5004};
    const ingest::UdpEndpoint to{{127, 0, 0, 1}, port};
    for (const auto& g : d) {
        const ArrivalTime at{k_anchor.arrival.ns + g.arrival_us * 1000};
        check(w->append(at, from, to, g.bytes).has_value(), "append to " + file.string());
    }
    check(w->close().has_value(), "close " + file.string());
}

} // namespace

SyncLesson write_sync_lesson(const std::filesystem::path& raw_root, const SyncLessonOptions& o,
                             bool keep_video_frames) {
    check(o.duration_ms > 0 && o.fps > 0 && o.marker_interval_ms > 0, "options out of range");
    SyncLesson lesson;
    const std::int64_t duration_us = o.duration_ms * 1000;
    lesson.dir = raw_root / fmt::format("sync-{}", o.seed);
    std::filesystem::remove_all(lesson.dir);
    std::filesystem::create_directories(lesson.dir / "tracks");
    std::mt19937_64 rng(o.seed);
    const samples::MarkerSchedule schedule{o.first_marker_ms, o.marker_interval_ms}; // as the live simulator

    for (std::int64_t m = o.first_marker_ms * 1000; m < duration_us; m += o.marker_interval_ms * 1000) {
        lesson.markers.push_back({m, -1, -1});
    }

    // Camera: frame i is captured at i / fps from the lesson start, sent at once, packets 1 ms
    // apart. Its RTP clock runs video_clock_ppm fast against its wall clock (drift test).
    const auto video_ts = [&](std::int64_t t_us) {
        const std::int64_t nominal = t_us * 90'000 / 1'000'000;
        const std::int64_t drift = t_us * 90'000 / 1'000'000 * o.video_clock_ppm / 1'000'000;
        return static_cast<std::uint32_t>(k_video_rtp_base + static_cast<std::uint32_t>(nominal + drift));
    };
    Stream video(96, k_video_ssrc, 65'000, o.sender_reports);
    std::vector<std::size_t> packet_frame; // video RTP packet index in video.out → frame
    {
        Vp8Encoder vp8(o.width, o.height, o.fps, 300);
        const std::int64_t frame_us_num = 1'000'000;
        const std::int64_t frames = duration_us * o.fps / frame_us_num;
        for (std::int64_t i = 0; i < frames; ++i) {
            const std::int64_t t_us = i * frame_us_num / o.fps;
            const bool flash = schedule.flash_at(t_us);
            fill(vp8.image, 0, 0, 0, o.width, o.height, flash ? k_sync_flash_luma : k_sync_dark_luma);
            fill(vp8.image, 1, 0, 0, o.width, o.height, 128);
            fill(vp8.image, 2, 0, 0, o.width, o.height, 128);
            if (!flash) { // a moving block, so inter frames carry real changes
                const int x = static_cast<int>((i * 4) % std::max(1, o.width - 32));
                fill(vp8.image, 0, x, o.height / 3, 32, o.height / 3, 120);
            }
            const bool key = flash || i % o.keyframe_every == 0;
            auto frame = vp8.encode(i, key);
            check(!frame.empty(), fmt::format("vp8 encoder gave no frame {}", i));
            SentVideoFrame sent;
            sent.capture_us = t_us;
            sent.rtp_timestamp = video_ts(t_us);
            sent.keyframe = key;
            const auto parts = vp8_fragments(frame, k_max_payload);
            for (std::size_t k = 0; k < parts.size(); ++k) {
                const std::int64_t send_us = t_us + static_cast<std::int64_t>(k) * 1000;
                video.rtp(send_us, sent.rtp_timestamp, parts[k].last, std::span(&parts[k].descriptor, 1),
                          parts[k].payload, video_ts(send_us));
                while (packet_frame.size() < video.out.size()) packet_frame.push_back(lesson.video_frames.size());
            }
            if (keep_video_frames) sent.data = std::move(frame);
            lesson.video_frames.push_back(std::move(sent));
        }
    }

    // Microphone: 20 ms Opus packets from audio_start_ms, each sent when its 20 ms are
    // captured; silence with a 1 kHz beep of k_sync_beep_ms at every marker.
    Stream audio(111, k_audio_ssrc, 30'000, o.sender_reports);
    std::vector<std::int64_t> audio_capture; // per RTP packet of audio.out (-1: an SR)
    {
        const OpusEncoderPtr enc = make_opus_encoder(OPUS_APPLICATION_AUDIO);
        opus_encoder_ctl(enc.get(), OPUS_SET_BITRATE(64000));
        std::vector<float> pcm(960 * 2);
        std::vector<unsigned char> packet(1500);
        for (std::int64_t t_us = o.audio_start_ms * 1000; t_us + 20'000 <= duration_us; t_us += 20'000) {
            for (int s = 0; s < 960; ++s) {
                const std::int64_t at_us = t_us + s * 1'000'000 / 48'000;
                const auto v = static_cast<float>(schedule.beep_sample(at_us));
                pcm[2 * static_cast<std::size_t>(s)] = pcm[2 * static_cast<std::size_t>(s) + 1] = v;
            }
            const int bytes = opus_encode_float(enc.get(), pcm.data(), 960, packet.data(), static_cast<opus_int32>(packet.size()));
            check(bytes > 0, "opus_encode_float");
            const std::uint32_t ts = k_audio_rtp_base + static_cast<std::uint32_t>(t_us * 48 / 1000);
            const std::int64_t send_us = t_us + 20'000;
            audio.rtp(send_us, ts, false, {}, std::span(packet.data(), static_cast<std::size_t>(bytes)),
                      k_audio_rtp_base + static_cast<std::uint32_t>(send_us * 48 / 1000));
            while (audio_capture.size() + 1 < audio.out.size()) audio_capture.push_back(-1); // an SR went first
            audio_capture.push_back(t_us);
        }
    }

    // The network, then the ground truth of what got through.
    std::vector<bool> video_lost, audio_lost;
    impair(video.out, o.video_loss, o, rng, lesson, video_lost);
    impair(audio.out, o.audio_loss, o, rng, lesson, audio_lost);
    std::vector<bool> frame_hit(lesson.video_frames.size(), false);
    for (std::size_t i = 0; i < video_lost.size(); ++i) {
        if (video_lost[i]) frame_hit[packet_frame[i]] = true;
    }
    for (std::size_t f = 0; f < lesson.video_frames.size(); ++f) lesson.video_frames[f].delivered = !frame_hit[f];
    for (auto& m : lesson.markers) {
        for (const auto& f : lesson.video_frames) {
            if (f.capture_us >= m.at_us && f.capture_us < m.at_us + k_sync_beep_ms * 1000 && f.delivered) {
                m.first_flash_us = f.capture_us;
                break;
            }
        }
        for (std::size_t i = 0; i < audio_capture.size(); ++i) {
            const std::int64_t c = audio_capture[i];
            if (c >= m.at_us && c < m.at_us + k_sync_beep_ms * 1000 && !audio_lost[i]) {
                m.first_beep_us = c;
                break;
            }
        }
    }

    ingest::TrackInfo t1{"t1", ingest::MediaKind::video, "VP8", 96, 90'000, 0, "teacher", 40'000, "tracks/t1.pcap"};
    ingest::TrackInfo t2{"t2", ingest::MediaKind::audio, "opus", 111, 48'000, 2, "teacher", 40'002, "tracks/t2.pcap"};
    write_pcap(lesson.dir / t1.file, t1.port, video.out);
    write_pcap(lesson.dir / t2.file, t2.port, audio.out);

    ingest::RecordingInfo info;
    info.id = lesson.dir.filename().string();
    info.meeting = {"sync", "A/V-Sync", "test"};
    info.started = WallTime{k_start_us};
    info.stopped = WallTime{k_start_us + duration_us};
    info.anchor = k_anchor;
    info.participants = {{"teacher", "Frau Müller", ingest::Role::moderator, ingest::Consent::granted}};
    info.tracks = {t1, t2};
    check(ingest::write_recording_info(lesson.dir, info).has_value(), "write recording.json");

    std::ofstream events(lesson.dir / "events.jsonl");
    const auto event = [&](std::int64_t lesson_us, nlohmann::json j) {
        j["t_us"] = k_start_us + lesson_us;
        events << j.dump() << '\n';
    };
    event(0, {{"type", "participant_joined"}, {"participant", "teacher"}, {"name", "Frau Müller"},
              {"role", "moderator"}, {"consent", "granted"}});
    event(0, {{"type", "webcam_started"}, {"participant", "teacher"}, {"track", "t1"}});
    for (const auto& [from, to] : o.pauses_ms) {
        event(from * 1000, {{"type", "recording_paused"}});
        event(to * 1000, {{"type", "recording_resumed"}});
    }
    check(static_cast<bool>(events), "write events.jsonl");
    return lesson;
}

} // namespace tafel::test
