#include "transcode/output_set.hpp"

#include "core/log.hpp"
#include "mux/container_writer.hpp"
#include "transcode/audio_encoder.hpp"
#include "transcode/av_error.hpp"
#include "transcode/video_encoder.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
}

#include <fmt/format.h>
#include <fmt/std.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <variant>

namespace tafel::transcode {

namespace {

// Jobs in flight per output. Deep enough that the composing thread and the faster encoder can
// run ahead of the slower one and keep both cores of a small host busy: with 6, bench/render's
// 10-minute lesson (idle, one thread per encoder) took 24.5 s with 1.65 of 2 cores busy, with
// 48 20.8-22.7 s (120 gained nothing more). Frames are pooled and shared by both outputs, so
// this costs ~30 MB of peak memory, not 48 frames per output.
constexpr std::size_t k_queue_frames = 48;
constexpr int k_channels = 2;

// The pipeline already runs three busy threads (composing, the WebM output, the MP4 output), so
// encoder-internal threads only pay where cores are left over: on 2 cores VP9's row-mt worker
// and x264's frame threads added ~14,000 context switches a second and made bench/render's
// lesson slower (idle: 24.2-27.0 s with two threads per encoder, 20.8-22.7 s with one).
int default_encoder_threads() {
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    return std::max(1, (cores - 1) / 2);
}

using AudioChunk = std::shared_ptr<const std::vector<float>>;
using ChangeMap = std::shared_ptr<const std::vector<std::uint8_t>>;   // BlockGrid order, 1 = changed
struct VideoJob {
    FramePtr frame;
    ChangeMap changed;   // null: every block changed
};
struct Finish {};
struct Abort {};
using Job = std::variant<VideoJob, AudioChunk, Finish, Abort>;

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
    // `webm`: lesson.webm (+ lesson.opus.webm), else lesson.mp4 (+ lesson.m4a).
    static Result<std::unique_ptr<Output>> create(const std::filesystem::path& dir, bool webm,
                                                  const OutputOptions& options, int threads) {
        const auto path = dir / (webm ? "lesson.webm" : "lesson.mp4");
        // Chapters in every file: Matroska Chapters in WebM; in MP4/M4A libavformat writes a
        // Nero "chpl" box and a QuickTime chapter text track (disabled, referenced by "chap"
        // from the first track), which players list as chapters, not as a stream to play.
        const std::vector<mux::ContainerChapter>& chapters = options.chapters;
        mux::ContainerOptions container_options{webm ? "webm" : "mp4", options.title, !webm, chapters};
        auto writer = mux::ContainerWriter::create(path, container_options);
        if (!writer) return std::unexpected(writer.error());
        const bool global_header = (*writer)->needs_global_header();

        const auto fps_num = options.frame_rate.num, fps_den = options.frame_rate.den;
        VideoEncoderOptions video_options{
            .codec = webm ? options.webm_video : VideoCodec::h264,
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
                                           .bit_rate = webm ? options.opus_bit_rate : options.aac_bit_rate,
                                           .global_header = global_header});
        if (!audio) return with_path(audio.error(), path);

        auto video_stream = (*writer)->add_stream(video->parameters(), video->time_base(), options.frame_rate);
        if (!video_stream) return std::unexpected(video_stream.error());
        auto audio_stream = (*writer)->add_stream(audio->parameters(), audio->time_base());
        if (!audio_stream) return std::unexpected(audio_stream.error());
        if (auto header = (*writer)->write_header(); !header) return std::unexpected(header.error());

        // The audio-only file takes the same encoded packets: no second encode, no decode.
        std::unique_ptr<mux::ContainerWriter> audio_writer;
        if (options.audio_only) {
            const auto audio_path = dir / (webm ? "lesson.opus.webm" : "lesson.m4a");
            auto created = mux::ContainerWriter::create(audio_path, {webm ? "webm" : "mp4", options.title, !webm, chapters});
            if (!created) return std::unexpected(created.error());
            if ((*created)->needs_global_header() != global_header) {
                return fail(Errc::internal, fmt::format("{}: codec header placement differs from {}", audio_path,
                                                        path));
            }
            if (auto s = (*created)->add_stream(audio->parameters(), audio->time_base()); !s) {
                return std::unexpected(s.error());
            }
            if (auto header = (*created)->write_header(); !header) return std::unexpected(header.error());
            audio_writer = std::move(*created);
        }
        auto copy = make_packet();
        if (!copy) return std::unexpected(copy.error());
        return std::unique_ptr<Output>(new Output(std::move(*writer), std::move(audio_writer), std::move(*video),
                                                  std::move(*audio), *video_stream, *audio_stream,
                                                  std::move(*copy)));
    }

    std::vector<std::filesystem::path> paths() const {
        std::vector<std::filesystem::path> out{writer_->path()};
        if (audio_writer_) out.push_back(audio_writer_->path());
        return out;
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

private:
    Output(std::unique_ptr<mux::ContainerWriter> writer, std::unique_ptr<mux::ContainerWriter> audio_writer,
           VideoEncoder video, AudioEncoder audio, int video_stream, int audio_stream, PacketPtr copy)
        : writer_(std::move(writer)), audio_writer_(std::move(audio_writer)), video_(std::move(video)),
          audio_(std::move(audio)), video_stream_(video_stream), audio_stream_(audio_stream),
          copy_(std::move(copy)), thread_([this] { run(); }) {}

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
        const PacketSink audio_sink = [this](AVPacket& p) -> Result<void> {
            if (audio_writer_) {
                const int ret = av_packet_ref(copy_.get(), &p);
                if (ret < 0) return av_fail(ret, fmt::format("audio packet copy for {}", audio_writer_->path()));
                if (auto w = audio_writer_->write(*copy_, 0); !w) return w;
            }
            return writer_->write(p, audio_stream_);
        };
        for (;;) {
            Job job = queue_.pop();
            if (std::holds_alternative<Abort>(job)) return;
            const bool failed = !status();
            Result<void> done;
            if (auto* video = std::get_if<VideoJob>(&job)) {
                if (!failed) {
                    const std::span<const std::uint8_t> changed =
                        video->changed ? std::span<const std::uint8_t>(*video->changed) : std::span<const std::uint8_t>();
                    done = video_.encode(video->frame.get(), changed, video_sink);
                }
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
        if (audio_writer_) {
            if (auto f = audio_writer_->finish(); !f) return f;
        }
        return writer_->finish();
    }

    void record(const Error& error) {
        std::lock_guard lock(status_mutex_);
        if (!error_) error_ = error;
    }

    std::unique_ptr<mux::ContainerWriter> writer_;
    std::unique_ptr<mux::ContainerWriter> audio_writer_;   // lesson.opus.webm / lesson.m4a, or null
    VideoEncoder video_;
    AudioEncoder audio_;
    int video_stream_, audio_stream_;
    PacketPtr copy_;   // the audio-only file's reference to an audio packet
    JobQueue queue_;
    bool finish_requested_ = false;
    mutable std::mutex status_mutex_;
    std::optional<Error> error_;
    std::thread thread_;   // last: starts after every member it uses exists
};

// True when the `n` bytes at `a` and `b` differ. A block's rows are 16 (luma) or 8 (chroma)
// bytes: those are compared as whole 64-bit words inline; a memcmp call per row cost more
// than the comparison itself (the change map compares every row of a block that did not change).
bool row_differs(const std::uint8_t* a, const std::uint8_t* b, std::size_t n) {
    const auto word = [](const std::uint8_t* p) {
        std::uint64_t w;
        std::memcpy(&w, p, sizeof w);
        return w;
    };
    if (n == 16) return ((word(a) ^ word(b)) | (word(a + 8) ^ word(b + 8))) != 0;
    if (n == 8) return word(a) != word(b);
    return std::memcmp(a, b, n) != 0;
}

// Marks the 16x16 blocks in which `now` differs from `before` (same size, yuv420p): a block
// changed if any of its 16x16 luma or 8x8 chroma samples did. Returns how many changed.
// About 1.4 MB of memcmp per 720p frame — far cheaper than letting an encoder find out.
std::int64_t changed_blocks(const AVFrame& before, const AVFrame& now, BlockGrid grid, std::vector<std::uint8_t>& out) {
    out.assign(grid.size(), 0);
    for (int plane = 0; plane < 3; ++plane) {
        const int shift = plane == 0 ? 0 : 1;
        const int block = 16 >> shift;
        const int width = (now.width + shift) >> shift, height = (now.height + shift) >> shift;
        for (int y = 0; y < height; ++y) {
            const std::uint8_t* a = before.data[plane] + static_cast<std::ptrdiff_t>(y) * before.linesize[plane];
            const std::uint8_t* b = now.data[plane] + static_cast<std::ptrdiff_t>(y) * now.linesize[plane];
            std::uint8_t* row = out.data() + static_cast<std::size_t>(y / block) * static_cast<std::size_t>(grid.cols);
            for (int bx = 0; bx < grid.cols; ++bx) {
                if (row[bx] != 0) continue;
                const int x = bx * block;
                const int n = std::min(block, width - x);
                if (row_differs(a + x, b + x, static_cast<std::size_t>(n))) row[bx] = 1;
            }
        }
    }
    return std::count(out.begin(), out.end(), std::uint8_t{1});
}

// True when block (bx, by) of `now` differs from `before` in any of its 16x16 luma or 8x8
// chroma samples.
bool block_differs(const AVFrame& before, const AVFrame& now, int bx, int by) {
    for (int plane = 0; plane < 3; ++plane) {
        const int shift = plane == 0 ? 0 : 1;
        const int block = 16 >> shift;
        const int width = (now.width + shift) >> shift, height = (now.height + shift) >> shift;
        const int x = bx * block, y0 = by * block;
        const auto n = static_cast<std::size_t>(std::min(block, width - x));
        for (int y = y0; y < std::min(y0 + block, height); ++y) {
            const std::uint8_t* a = before.data[plane] + static_cast<std::ptrdiff_t>(y) * before.linesize[plane] + x;
            const std::uint8_t* b = now.data[plane] + static_cast<std::ptrdiff_t>(y) * now.linesize[plane] + x;
            if (row_differs(a, b, n)) return true;
        }
    }
    return false;
}

// changed_blocks for a frame that may differ from `before` only inside `areas`: the blocks
// those touch are compared, the rest are unchanged by the caller's promise. A webcam tile's
// 240 blocks instead of all 3,600 — and no full-frame memcmp per frame.
std::int64_t changed_blocks_in(const AVFrame& before, const AVFrame& now, BlockGrid grid, std::span<const Rect> areas,
                               std::vector<std::uint8_t>& out) {
    out.assign(grid.size(), 0);
    std::int64_t count = 0;
    for (const Rect& area : areas) {
        const int x0 = std::max(0, area.x), y0 = std::max(0, area.y);
        const int x1 = std::min(now.width, area.right()), y1 = std::min(now.height, area.bottom());
        if (x1 <= x0 || y1 <= y0) continue;
        for (int by = y0 / 16; by < (y1 + 15) / 16; ++by) {
            for (int bx = x0 / 16; bx < (x1 + 15) / 16; ++bx) {
                std::uint8_t& cell = out[static_cast<std::size_t>(by) * static_cast<std::size_t>(grid.cols) +
                                         static_cast<std::size_t>(bx)];
                if (cell == 0 && block_differs(before, now, bx, by)) {
                    cell = 1;
                    ++count;
                }
            }
        }
    }
    return count;
}

} // namespace

struct OutputSet::Impl {
    Impl(int width, int height) : pool(width, height) {}
    OutputOptions options;
    BlockGrid grid;
    std::vector<std::unique_ptr<Output>> outputs;
    std::vector<std::filesystem::path> files;
    FramePool pool;                            // the frames given to the encoders; the last one is the previous
    std::vector<std::uint8_t> scratch;         // change map being built
    std::int64_t last_index = -1;
    std::int64_t next_sample = 0;
    bool finished = false;
    Stats stats;
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
    const int threads = options.threads > 0 ? options.threads : default_encoder_threads();
    auto impl = std::make_unique<Impl>(options.width, options.height);
    impl->options = options;
    if (options.webm_video == VideoCodec::h264) {
        return fail(Errc::invalid_argument, fmt::format("{}: WebM carries VP9 or VP8, not H.264", dir));
    }
    impl->grid = BlockGrid::for_size(options.width, options.height);
    impl->stats.blocks_per_frame = static_cast<std::int64_t>(impl->grid.size());
    std::vector<std::filesystem::path> audio_files;
    for (const bool webm : {true, false}) {
        if (webm ? !options.webm : !options.mp4) continue;
        auto output = Output::create(dir, webm, options, threads);
        if (!output) return std::unexpected(output.error());
        const auto paths = (*output)->paths();
        impl->files.push_back(paths.front());
        audio_files.insert(audio_files.end(), paths.begin() + 1, paths.end());
        impl->outputs.push_back(std::move(*output));
    }
    // lesson.webm, lesson.mp4 first (the manifest's first file is the main video).
    impl->files.insert(impl->files.end(), audio_files.begin(), audio_files.end());
    log::get("transcode")->debug("encoding {} file(s) into {} at {}x{} {}/{} fps, {} threads", impl->files.size(),
                                 dir, options.width, options.height, options.frame_rate.num, options.frame_rate.den,
                                 threads);
    return std::unique_ptr<OutputSet>(new OutputSet(std::move(impl)));
}

Result<void> OutputSet::write_video(const I420View& view, std::int64_t index, bool force_keyframe,
                                    std::optional<std::span<const Rect>> changed_areas) {
    Impl& s = *impl_;
    if (s.finished) return fail(Errc::invalid_argument, "write_video after finish");
    if (index <= s.last_index) {
        return fail(Errc::invalid_argument,
                    fmt::format("video frame index {} after {}: indices must increase", index, s.last_index));
    }
    // One copy of the composed frame, shared (reference-counted, read-only) by the encoders:
    // a pooled buffer brought up to date by copying what changed since it was last used.
    const AVFrame* previous = s.pool.previous();
    auto frame = s.pool.next(view, changed_areas);
    if (!frame) return std::unexpected(frame.error());
    AVFrame& f = **frame;
    f.pts = index;
    f.pict_type = force_keyframe ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
    s.last_index = index;
    ++s.stats.frames;
    ChangeMap changed;
    if (previous != nullptr && !force_keyframe) {
        const auto n = changed_areas ? changed_blocks_in(*previous, f, s.grid, *changed_areas, s.scratch)
                                     : changed_blocks(*previous, f, s.grid, s.scratch);
        s.stats.changed_blocks += n;
        if (n == 0) ++s.stats.still_frames;
        changed = std::make_shared<const std::vector<std::uint8_t>>(s.scratch);
    } else {
        s.stats.changed_blocks += s.stats.blocks_per_frame;
    }
    for (auto& output : s.outputs) {
        FramePtr copy{av_frame_clone(&f)};
        if (!copy) return av_fail(AVERROR(ENOMEM), fmt::format("video frame {} reference", index));
        if (auto pushed = output->submit(VideoJob{std::move(copy), changed}); !pushed) return pushed;
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

OutputSet::Stats OutputSet::stats() const {
    Stats stats = impl_->stats;
    stats.frame_buffers = impl_->pool.stats().allocated;
    stats.copied_bytes = impl_->pool.stats().copied_bytes;
    stats.full_copies = impl_->pool.stats().full_copies;
    return stats;
}

} // namespace tafel::transcode
