#include "transcode/file_track.hpp"

#include "transcode/audio_encoder.hpp"
#include "transcode/av_error.hpp"
#include "transcode/av_handles.hpp"
#include "transcode/video_encoder.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/imgutils.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

#include <deque>
#include <fstream>

namespace tafel::transcode {

namespace fs = std::filesystem;

namespace {

constexpr std::uint32_t k_ssrc = 1; // a file is one source

struct SwsDeleter {
    void operator()(SwsContext* c) const noexcept { sws_freeContext(c); }
};
using SwsPtr = std::unique_ptr<SwsContext, SwsDeleter>;

class FileTrackReader final : public ingest::TrackReader {
public:
    static Result<std::unique_ptr<ingest::TrackReader>> open(const fs::path& file, const ingest::TrackInfo& track,
                                                             const ClockAnchor& anchor, const FilePlacement& placement);

    Result<std::optional<ingest::EncodedFrame>> next() override;
    const std::vector<ingest::SenderReport>& sender_reports() const override { return reports_; }
    const ingest::TrackStats& stats() const override { return stats_; }

private:
    Result<void> pump();                         // reads one packet (or flushes at the end)
    Result<void> transcode(const AVPacket* packet); // decoder → encoder → ready_
    Result<void> encode_audio(const AVFrame& frame);
    Result<void> encode_video(const AVFrame& frame);
    Result<void> from_encoder(AVPacket& packet, Rational time_base, std::int64_t offset_ticks);
    void push(std::span<const std::uint8_t> data, std::int64_t ticks, Rational time_base, std::int64_t duration,
              bool key);

    std::string where_;
    ingest::TrackInfo track_;
    ClockAnchor anchor_;
    FilePlacement placement_;
    InputFormatPtr input_;
    AVStream* stream_ = nullptr;
    std::int64_t start_pts_ = 0;
    bool passthrough_ = true;
    CodecContextPtr decoder_;
    FramePtr frame_;
    PacketPtr packet_;
    std::optional<AudioEncoder> audio_encoder_;
    std::optional<VideoEncoder> video_encoder_;
    SwrPtr swr_;
    SwsPtr sws_;
    FramePtr yuv_;
    std::vector<float> pcm_;
    std::optional<std::int64_t> audio_offset_; // 48 kHz ticks of the first decoded sample
    std::int64_t last_video_pts_ = -1;
    Rational video_rate_{30, 1};
    std::deque<ingest::EncodedFrame> ready_;
    bool read_all_ = false;
    bool flushed_ = false;
    std::vector<ingest::SenderReport> reports_; // none: files carry no RTCP
    ingest::TrackStats stats_;
};

Result<std::unique_ptr<ingest::TrackReader>> FileTrackReader::open(const fs::path& file, const ingest::TrackInfo& track,
                                                                   const ClockAnchor& anchor,
                                                                   const FilePlacement& placement) {
    auto r = std::unique_ptr<FileTrackReader>(new FileTrackReader());
    r->where_ = fmt::format("track {} ({})", track.id, file.string());
    r->track_ = track;
    r->anchor_ = anchor;
    r->placement_ = placement;
    AVFormatContext* raw = nullptr;
    if (int ret = avformat_open_input(&raw, file.c_str(), nullptr, nullptr); ret < 0) {
        return av_fail(ret, "open " + r->where_);
    }
    r->input_.reset(raw);
    if (int ret = avformat_find_stream_info(raw, nullptr); ret < 0) return av_fail(ret, "probe " + r->where_);
    const AVMediaType type = track.kind == ingest::MediaKind::video ? AVMEDIA_TYPE_VIDEO : AVMEDIA_TYPE_AUDIO;
    const int index = av_find_best_stream(raw, type, -1, -1, nullptr, 0);
    if (index < 0) {
        return fail(Errc::malformed_input, fmt::format("{}: no {} stream", r->where_, ingest::to_string(track.kind)));
    }
    r->stream_ = raw->streams[index];
    r->start_pts_ = r->stream_->start_time == AV_NOPTS_VALUE ? 0 : r->stream_->start_time;
    const AVCodecID id = r->stream_->codecpar->codec_id;
    r->passthrough_ = (type == AVMEDIA_TYPE_VIDEO && id == AV_CODEC_ID_VP8) || (type == AVMEDIA_TYPE_AUDIO && id == AV_CODEC_ID_OPUS);
    auto packet = make_packet();
    if (!packet) return std::unexpected(packet.error());
    r->packet_ = std::move(*packet);
    if (!r->passthrough_) {
        const AVCodec* codec = avcodec_find_decoder(id);
        if (codec == nullptr) {
            return fail(Errc::unsupported, fmt::format("{}: no decoder for codec {}", r->where_, avcodec_get_name(id)));
        }
        auto ctx = make_codec_context(*codec);
        if (!ctx) return std::unexpected(ctx.error());
        if (int ret = avcodec_parameters_to_context(ctx->get(), r->stream_->codecpar); ret < 0) {
            return av_fail(ret, "decoder parameters " + r->where_);
        }
        (*ctx)->pkt_timebase = r->stream_->time_base;
        (*ctx)->thread_count = 1;
        if (int ret = avcodec_open2(ctx->get(), codec, nullptr); ret < 0) return av_fail(ret, "open decoder " + r->where_);
        r->decoder_ = std::move(*ctx);
        auto frame = make_frame();
        if (!frame) return std::unexpected(frame.error());
        r->frame_ = std::move(*frame);
        if (type == AVMEDIA_TYPE_AUDIO) {
            auto enc = AudioEncoder::create(AudioEncoderOptions{AudioCodec::opus, 48000, 64000, false});
            if (!enc) return std::unexpected(enc.error());
            r->audio_encoder_.emplace(std::move(*enc));
        } else {
            const AVRational fr = r->stream_->avg_frame_rate;
            if (fr.num > 0 && fr.den > 0 && fr.num / fr.den <= 60) r->video_rate_ = Rational{fr.num, fr.den};
        }
    }
    return std::unique_ptr<ingest::TrackReader>(std::move(r));
}

void FileTrackReader::push(std::span<const std::uint8_t> data, std::int64_t ticks, Rational time_base,
                           std::int64_t duration, bool key) {
    ingest::EncodedFrame f;
    f.ssrc = k_ssrc;
    const Rational clock{1, track_.clock_rate};
    f.rtp_timestamp = rescale(ticks, time_base, clock);
    f.duration_ticks = track_.kind == ingest::MediaKind::audio ? rescale(duration, time_base, clock) : 0;
    // Placed as if it had arrived at start + pts: MediaClock's arrival path then maps it
    // to exactly that wall time.
    const std::int64_t wall_ns = placement_.start_utc_us * 1000 + rescale(ticks, time_base, Rational{1, 1'000'000'000});
    f.arrival = anchor_.arrival_of_wall_ns(wall_ns);
    f.keyframe = key;
    f.data.assign(data.begin(), data.end());
    ++stats_.frames;
    ready_.push_back(std::move(f));
}

Result<void> FileTrackReader::from_encoder(AVPacket& p, Rational time_base, std::int64_t offset_ticks) {
    push(std::span<const std::uint8_t>(p.data, static_cast<std::size_t>(p.size)), p.pts + offset_ticks, time_base,
         p.duration, (p.flags & AV_PKT_FLAG_KEY) != 0);
    return {};
}

Result<void> FileTrackReader::encode_audio(const AVFrame& frame) {
    if (!swr_) {
        AVChannelLayout stereo = AV_CHANNEL_LAYOUT_STEREO;
        AVChannelLayout in{};
        if (frame.ch_layout.nb_channels > 0) {
            if (int ret = av_channel_layout_copy(&in, &frame.ch_layout); ret < 0) return av_fail(ret, "layout " + where_);
        } else {
            av_channel_layout_default(&in, 1); // a decoder that names no layout: mono
        }
        SwrContext* raw = nullptr;
        const int ret_opts = swr_alloc_set_opts2(&raw, &stereo, AV_SAMPLE_FMT_FLT, 48000, &in,
                                                 static_cast<AVSampleFormat>(frame.format), frame.sample_rate, 0, nullptr);
        av_channel_layout_uninit(&in);
        if (ret_opts < 0) return av_fail(ret_opts, "resampler " + where_);
        swr_.reset(raw);
        if (int ret = swr_init(raw); ret < 0) return av_fail(ret, "resampler init " + where_);
        const std::int64_t pts = frame.best_effort_timestamp == AV_NOPTS_VALUE ? 0 : frame.best_effort_timestamp - start_pts_;
        audio_offset_ = rescale(pts, Rational{stream_->time_base.num, stream_->time_base.den}, Rational{1, 48000});
    }
    const int out_max = swr_get_out_samples(swr_.get(), frame.nb_samples);
    pcm_.resize(static_cast<std::size_t>(std::max(out_max, 0)) * 2);
    auto* out = reinterpret_cast<std::uint8_t*>(pcm_.data());
    const int got = swr_convert(swr_.get(), &out, out_max, const_cast<const std::uint8_t**>(frame.extended_data), frame.nb_samples);
    if (got < 0) return av_fail(got, "resample " + where_);
    const Rational tb = audio_encoder_->time_base();
    return audio_encoder_->encode(std::span<const float>(pcm_.data(), static_cast<std::size_t>(got) * 2),
                                  [&](AVPacket& p) { return from_encoder(p, tb, *audio_offset_); });
}

Result<void> FileTrackReader::encode_video(const AVFrame& frame) {
    const Rational frame_tb{video_rate_.den, video_rate_.num};
    const std::int64_t ts = frame.best_effort_timestamp == AV_NOPTS_VALUE ? last_video_pts_ + 1
                                                                          : frame.best_effort_timestamp - start_pts_;
    const std::int64_t pts = frame.best_effort_timestamp == AV_NOPTS_VALUE
                                 ? ts
                                 : rescale(ts, Rational{stream_->time_base.num, stream_->time_base.den}, frame_tb);
    if (pts <= last_video_pts_) return {}; // the encoder wants increasing frame numbers
    last_video_pts_ = pts;
    if (!video_encoder_) {
        VideoEncoderOptions o;
        o.codec = VideoCodec::vp8;
        o.width = frame.width & ~1;
        o.height = frame.height & ~1;
        o.frame_rate = video_rate_;
        o.threads = 1;
        o.keyframe_interval_frames = 60;
        auto enc = VideoEncoder::create(o);
        if (!enc) return std::unexpected(enc.error());
        video_encoder_.emplace(std::move(*enc));
        auto yuv = make_frame();
        if (!yuv) return std::unexpected(yuv.error());
        yuv_ = std::move(*yuv);
        yuv_->format = AV_PIX_FMT_YUV420P;
        yuv_->width = o.width;
        yuv_->height = o.height;
        if (int ret = av_frame_get_buffer(yuv_.get(), 0); ret < 0) return av_fail(ret, "frame buffer " + where_);
        sws_.reset(sws_getContext(frame.width, frame.height, static_cast<AVPixelFormat>(frame.format), o.width, o.height,
                                  AV_PIX_FMT_YUV420P, SWS_BILINEAR, nullptr, nullptr, nullptr));
        if (!sws_) return fail(Errc::codec, fmt::format("{}: no scaler from {}x{}", where_, frame.width, frame.height));
    }
    if (int ret = av_frame_make_writable(yuv_.get()); ret < 0) return av_fail(ret, "frame writable " + where_);
    sws_scale(sws_.get(), frame.data, frame.linesize, 0, frame.height, yuv_->data, yuv_->linesize);
    yuv_->pts = pts;
    const Rational tb = video_encoder_->time_base();
    return video_encoder_->encode(yuv_.get(), [&](AVPacket& p) { return from_encoder(p, tb, 0); });
}

Result<void> FileTrackReader::transcode(const AVPacket* packet) {
    if (int ret = avcodec_send_packet(decoder_.get(), packet); ret < 0 && ret != AVERROR_EOF) {
        ++stats_.malformed; // a damaged packet: skipped, counted (STYLE.md, data path)
        return {};
    }
    for (;;) {
        const int ret = avcodec_receive_frame(decoder_.get(), frame_.get());
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return {};
        if (ret < 0) return av_fail(ret, "decode " + where_);
        auto encoded = track_.kind == ingest::MediaKind::audio ? encode_audio(*frame_) : encode_video(*frame_);
        av_frame_unref(frame_.get());
        if (!encoded) return encoded;
    }
}

Result<void> FileTrackReader::pump() {
    if (read_all_) {
        if (passthrough_ || flushed_) return {};
        flushed_ = true;
        if (auto drained = transcode(nullptr); !drained) return drained;
        if (audio_encoder_) {
            const Rational tb = audio_encoder_->time_base();
            const std::int64_t offset = audio_offset_.value_or(0);
            return audio_encoder_->flush([&](AVPacket& p) { return from_encoder(p, tb, offset); });
        }
        if (video_encoder_) {
            const Rational tb = video_encoder_->time_base();
            return video_encoder_->encode(nullptr, [&](AVPacket& p) { return from_encoder(p, tb, 0); });
        }
        return {};
    }
    const int ret = av_read_frame(input_.get(), packet_.get());
    if (ret == AVERROR_EOF) {
        read_all_ = true;
        return {};
    }
    if (ret < 0) return av_fail(ret, "read " + where_);
    Result<void> done;
    if (packet_->stream_index == stream_->index) {
        ++stats_.packets;
        if (passthrough_) {
            const std::int64_t pts = packet_->pts != AV_NOPTS_VALUE ? packet_->pts : packet_->dts;
            if (pts == AV_NOPTS_VALUE) {
                ++stats_.malformed;
            } else {
                push(std::span<const std::uint8_t>(packet_->data, static_cast<std::size_t>(packet_->size)),
                     pts - start_pts_, Rational{stream_->time_base.num, stream_->time_base.den}, packet_->duration,
                     (packet_->flags & AV_PKT_FLAG_KEY) != 0);
            }
        } else {
            done = transcode(packet_.get());
        }
    }
    av_packet_unref(packet_.get());
    return done;
}

Result<std::optional<ingest::EncodedFrame>> FileTrackReader::next() {
    while (ready_.empty() && !(read_all_ && (passthrough_ || flushed_))) {
        if (auto pumped = pump(); !pumped) return std::unexpected(pumped.error());
    }
    if (ready_.empty()) return std::optional<ingest::EncodedFrame>();
    ingest::EncodedFrame f = std::move(ready_.front());
    ready_.pop_front();
    return std::optional<ingest::EncodedFrame>(std::move(f));
}

} // namespace

Result<std::optional<FilePlacement>> file_placement(const fs::path& recording_dir, const std::string& track_id) {
    const fs::path file = recording_dir / "recording.json";
    std::ifstream in(file);
    if (!in) return fail(Errc::not_found, fmt::format("{}: cannot open", file.string()));
    const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return fail(Errc::malformed_input, fmt::format("{}: not JSON", file.string()));
    for (const auto& t : j.value("tracks", nlohmann::json::array())) {
        if (!t.is_object() || t.value("id", std::string()) != track_id) continue;
        if (!t.contains("container")) return std::optional<FilePlacement>();
        if (!t["container"].is_string() || !t.contains("start_utc_us") || !t["start_utc_us"].is_number_integer()) {
            return fail(Errc::malformed_input,
                        fmt::format("{}: track {}: a container track needs \"container\" (string) and "
                                    "\"start_utc_us\" (integer)",
                                    file.string(), track_id));
        }
        return std::optional<FilePlacement>(FilePlacement{t["container"], t["start_utc_us"].get<std::int64_t>()});
    }
    return std::optional<FilePlacement>();
}

Result<std::unique_ptr<ingest::TrackReader>> open_file_track(const fs::path& recording_dir, const ingest::TrackInfo& track,
                                                             const ClockAnchor& anchor, const FilePlacement& placement) {
    if (track.clock_rate <= 0) {
        return fail(Errc::malformed_input, fmt::format("track {}: clock_rate {}", track.id, track.clock_rate));
    }
    return FileTrackReader::open(recording_dir / track.file, track, anchor, placement);
}

Result<std::unique_ptr<ingest::TrackReader>> open_recorded_track(const fs::path& recording_dir,
                                                                 const ingest::TrackInfo& track,
                                                                 const ClockAnchor& anchor) {
    auto placement = file_placement(recording_dir, track.id);
    if (!placement) return std::unexpected(placement.error());
    if (*placement) return open_file_track(recording_dir, track, anchor, **placement);
    return ingest::TrackReader::open(recording_dir, track, anchor);
}

} // namespace tafel::transcode
