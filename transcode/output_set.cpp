#include "transcode/output_set.hpp"

#include "core/log.hpp"
#include "mux/container_writer.hpp"
#include "transcode/audio_encoder.hpp"
#include "transcode/av_error.hpp"
#include "transcode/video_encoder.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libavutil/imgutils.h>
}

#include <fmt/format.h>
#include <fmt/std.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <variant>

namespace tafel::transcode {

namespace {

constexpr std::size_t k_queue_frames = 6;   // per output: ~8 MB of 720p frames in flight
constexpr int k_channels = 2;

using AudioChunk = std::shared_ptr<const std::vector<float>>;
struct Finish {};
struct Abort {};
using Job = std::variant<FramePtr, AudioChunk, Finish, Abort>;

// A bounded FIFO between the composing thread and one output's encoding thread: push blocks
// while full so that a slow encoder slows composition instead of growing memory.
class JobQueue {
public:
    void push(Job job) {
        std::unique_lock lock(mutex_);
        not_full_.wait(lock, [&] { return jobs_.size() < k_queue_frames; });
        jobs_.push_back(std::move(job));
        not_empty_.notify_one();
    }
    Job pop() {
        std::unique_lock lock(mutex_);
        not_empty_.wait(lock, [&] { return !jobs_.empty(); });
        Job job = std::move(jobs_.front());
        jobs_.pop_front();
        not_full_.notify_one();
        return job;
    }

private:
    std::mutex mutex_;
    std::condition_variable not_full_, not_empty_;
    std::deque<Job> jobs_;
};

// One container with its video and audio encoder, driven by its own thread: the muxer is
// only ever touched by that thread, and the two outputs encode in parallel.
class Output {
public:
    static Result<std::unique_ptr<Output>> create(const std::filesystem::path& path, bool webm,
                                                  const OutputOptions& options, int threads) {
        mux::ContainerOptions container_options{webm ? "webm" : "mp4", options.title, !webm};
        auto writer = mux::ContainerWriter::create(path, container_options);
        if (!writer) return std::unexpected(writer.error());
        const bool global_header = (*writer)->needs_global_header();

        const auto fps_num = options.frame_rate.num, fps_den = options.frame_rate.den;
        VideoEncoderOptions video_options{
            .codec = webm ? VideoCodec::vp8 : VideoCodec::h264,
            .width = options.width,
            .height = options.height,
            .frame_rate = options.frame_rate,
            .threads = threads,
            .keyframe_interval_frames =
                static_cast<int>(std::max<std::int64_t>(1, options.keyframe_interval_s * fps_num / fps_den)),
            .global_header = global_header,
        };
        auto video = VideoEncoder::create(video_options);
        if (!video) return with_path(video.error(), path);
        auto audio = AudioEncoder::create({.codec = webm ? AudioCodec::opus : AudioCodec::aac,
                                           .input_sample_rate = options.audio_sample_rate,
                                           .bit_rate = 0,
                                           .global_header = global_header});
        if (!audio) return with_path(audio.error(), path);

        auto video_stream = (*writer)->add_stream(video->parameters(), video->time_base(), options.frame_rate);
        if (!video_stream) return std::unexpected(video_stream.error());
        auto audio_stream = (*writer)->add_stream(audio->parameters(), audio->time_base());
        if (!audio_stream) return std::unexpected(audio_stream.error());
        if (auto header = (*writer)->write_header(); !header) return std::unexpected(header.error());
        return std::unique_ptr<Output>(new Output(std::move(*writer), std::move(*video), std::move(*audio),
                                                  *video_stream, *audio_stream));
    }

    ~Output() { stop(); }
    Output(const Output&) = delete;
    Output& operator=(const Output&) = delete;

    // The first error of the encoding thread, if any; later jobs are drained unprocessed.
    Result<void> status() const {
        std::lock_guard lock(status_mutex_);
        if (error_) return std::unexpected(*error_);
        return {};
    }

    Result<void> submit(Job job) {
        if (auto s = status(); !s) return s;
        queue_.push(std::move(job));
        return {};
    }

    // Asks the thread to flush and write the trailer; wait() joins it.
    void request_finish() {
        if (thread_.joinable() && !finish_requested_) queue_.push(Finish{});
        finish_requested_ = true;
    }
    Result<void> wait() {
        if (thread_.joinable()) thread_.join();
        return status();
    }

    const std::filesystem::path& path() const { return writer_->path(); }

private:
    Output(std::unique_ptr<mux::ContainerWriter> writer, VideoEncoder video, AudioEncoder audio, int video_stream,
           int audio_stream)
        : writer_(std::move(writer)), video_(std::move(video)), audio_(std::move(audio)),
          video_stream_(video_stream), audio_stream_(audio_stream), thread_([this] { run(); }) {}

    static std::unexpected<Error> with_path(const Error& error, const std::filesystem::path& path) {
        return fail(error.code, fmt::format("{}: {}", path, error.message));
    }

    void stop() {
        if (!thread_.joinable()) return;
        if (!finish_requested_) queue_.push(Abort{});
        thread_.join();
    }

    void run() {
        const PacketSink video_sink = [this](AVPacket& p) { return writer_->write(p, video_stream_); };
        const PacketSink audio_sink = [this](AVPacket& p) { return writer_->write(p, audio_stream_); };
        for (;;) {
            Job job = queue_.pop();
            if (std::holds_alternative<Abort>(job)) return;
            const bool failed = !status();
            Result<void> done;
            if (auto* frame = std::get_if<FramePtr>(&job)) {
                if (!failed) done = video_.encode(frame->get(), video_sink);
            } else if (auto* chunk = std::get_if<AudioChunk>(&job)) {
                if (!failed) done = audio_.encode(**chunk, audio_sink);
            } else if (std::holds_alternative<Finish>(job)) {
                if (!failed) done = finish_streams(video_sink, audio_sink);
                if (!done) record(done.error());
                return;
            }
            if (!done) record(done.error());
        }
    }

    Result<void> finish_streams(const PacketSink& video_sink, const PacketSink& audio_sink) {
        if (auto v = video_.encode(nullptr, video_sink); !v) return v;
        if (auto a = audio_.flush(audio_sink); !a) return a;
        return writer_->finish();
    }

    void record(const Error& error) {
        std::lock_guard lock(status_mutex_);
        if (!error_) error_ = error;
    }

    std::unique_ptr<mux::ContainerWriter> writer_;
    VideoEncoder video_;
    AudioEncoder audio_;
    int video_stream_, audio_stream_;
    JobQueue queue_;
    bool finish_requested_ = false;
    mutable std::mutex status_mutex_;
    std::optional<Error> error_;
    std::thread thread_;   // last: starts after every member it uses exists
};

} // namespace

struct OutputSet::Impl {
    OutputOptions options;
    std::vector<std::unique_ptr<Output>> outputs;
    std::vector<std::filesystem::path> files;
    std::int64_t last_index = -1;
    std::int64_t next_sample = 0;
    bool finished = false;
};

OutputSet::OutputSet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

OutputSet::~OutputSet() = default;

Result<std::unique_ptr<OutputSet>> OutputSet::create(const std::filesystem::path& dir, const OutputOptions& options) {
    if (!options.webm && !options.mp4) {
        return fail(Errc::invalid_argument, fmt::format("{}: neither webm nor mp4 requested", dir));
    }
    if (!options.frame_rate.valid() || options.audio_sample_rate <= 0 || options.keyframe_interval_s <= 0) {
        return fail(Errc::invalid_argument,
                    fmt::format("{}: frame rate {}/{}, sample rate {} or keyframe interval {} s invalid", dir,
                                options.frame_rate.num, options.frame_rate.den, options.audio_sample_rate,
                                options.keyframe_interval_s));
    }
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        return fail(Errc::io, fmt::format("output folder {} does not exist or is not a folder", dir));
    }
    const int threads = options.threads > 0 ? options.threads
                                            : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    for (const bool webm : {true, false}) {
        if (webm ? !options.webm : !options.mp4) continue;
        const auto path = dir / (webm ? "lesson.webm" : "lesson.mp4");
        auto output = Output::create(path, webm, options, threads);
        if (!output) return std::unexpected(output.error());
        impl->files.push_back(path);
        impl->outputs.push_back(std::move(*output));
    }
    log::get("transcode")->debug("encoding {} file(s) into {} at {}x{} {}/{} fps, {} threads", impl->files.size(),
                                 dir, options.width, options.height, options.frame_rate.num, options.frame_rate.den,
                                 threads);
    return std::unique_ptr<OutputSet>(new OutputSet(std::move(impl)));
}

Result<void> OutputSet::write_video(const I420View& view, std::int64_t index, bool force_keyframe) {
    Impl& s = *impl_;
    if (s.finished) return fail(Errc::invalid_argument, "write_video after finish");
    if (index <= s.last_index) {
        return fail(Errc::invalid_argument,
                    fmt::format("video frame index {} after {}: indices must increase", index, s.last_index));
    }
    // One copy of the composed frame, shared (reference-counted, read-only) by the encoders.
    auto frame = make_frame();
    if (!frame) return std::unexpected(frame.error());
    AVFrame& f = **frame;
    f.format = AV_PIX_FMT_YUV420P;
    f.width = s.options.width;
    f.height = s.options.height;
    int ret = av_frame_get_buffer(&f, 0);
    if (ret < 0) return av_fail(ret, fmt::format("video frame {} buffer", index));
    const std::uint8_t* src[4] = {view.y, view.u, view.v, nullptr};
    const int src_stride[4] = {view.stride_y, view.stride_u, view.stride_v, 0};
    av_image_copy(f.data, f.linesize, src, src_stride, AV_PIX_FMT_YUV420P, f.width, f.height);
    f.pts = index;
    f.pict_type = force_keyframe ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
    s.last_index = index;
    for (auto& output : s.outputs) {
        FramePtr copy{av_frame_clone(&f)};
        if (!copy) return av_fail(AVERROR(ENOMEM), fmt::format("video frame {} reference", index));
        if (auto pushed = output->submit(std::move(copy)); !pushed) return pushed;
    }
    return {};
}

Result<void> OutputSet::write_audio(std::span<const float> interleaved, std::int64_t first_sample) {
    Impl& s = *impl_;
    if (s.finished) return fail(Errc::invalid_argument, "write_audio after finish");
    if (interleaved.size() % k_channels != 0) {
        return fail(Errc::invalid_argument,
                    fmt::format("audio chunk at sample {}: {} floats is not whole stereo frames", first_sample,
                                interleaved.size()));
    }
    if (first_sample < s.next_sample) {
        return fail(Errc::invalid_argument, fmt::format("audio chunk at sample {} overlaps what was written (up to {})",
                                                        first_sample, s.next_sample));
    }
    // A gap is silence, so that audio stays on the timeline (sample n plays at n / rate);
    // it goes in chunks of at most one second so that a long gap costs no memory.
    const auto submit = [&](const AudioChunk& chunk) -> Result<void> {
        for (auto& output : s.outputs) {
            if (auto pushed = output->submit(chunk); !pushed) return pushed;
        }
        return {};
    };
    std::int64_t gap = first_sample - s.next_sample;
    if (gap > 0) {
        const std::int64_t second = s.options.audio_sample_rate;
        const auto silence = std::make_shared<const std::vector<float>>(
            static_cast<std::size_t>(std::min(gap, second) * k_channels), 0.0f);
        for (; gap >= second; gap -= second) {
            if (auto pushed = submit(silence); !pushed) return pushed;
        }
        if (gap > 0) {
            auto rest = std::make_shared<const std::vector<float>>(static_cast<std::size_t>(gap * k_channels), 0.0f);
            if (auto pushed = submit(rest); !pushed) return pushed;
        }
    }
    s.next_sample = first_sample + static_cast<std::int64_t>(interleaved.size() / k_channels);
    if (interleaved.empty()) return {};
    return submit(std::make_shared<const std::vector<float>>(interleaved.begin(), interleaved.end()));
}

Result<void> OutputSet::finish() {
    Impl& s = *impl_;
    if (s.finished) return {};
    s.finished = true;
    // Every output gets its Finish job before the first join, so they flush in parallel.
    for (auto& output : s.outputs) output->request_finish();
    Result<void> first;
    for (auto& output : s.outputs) {
        auto done = output->wait();
        if (!done && first) first = done;
    }
    return first;
}

std::vector<std::filesystem::path> OutputSet::files() const { return impl_->files; }

} // namespace tafel::transcode
