#pragma once
// The encode side of a render: one composed frame sequence and one mixed audio stream in,
// lesson.webm (VP9 or VP8 + Opus) and lesson.mp4 (H.264 + AAC, moov first) out, plus the
// audio-only lesson.opus.webm and lesson.m4a carrying the very same encoded audio packets.
// Video frames are composed once and encoded for both containers in parallel, one thread
// per container; each frame goes with a map of the 16x16 blocks that changed since the
// previous one, so that the encoders skip what stood still (video_encoder.hpp).
#include "core/error.hpp"
#include "core/rational.hpp"
#include "mux/container_writer.hpp"
#include "transcode/frame_pool.hpp" // I420View
#include "transcode/lesson_layout.hpp"
#include "transcode/video_encoder.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace tafel::transcode {

struct OutputOptions {
    int width = 1280, height = 720;
    Rational frame_rate{15, 1};          // output frames per second (constant frame rate)
    int audio_sample_rate = 48000;       // audio arrives as interleaved float stereo at this rate
    int threads = 0;                     // threads per encoder; 0 = max(1, (cores - 1) / 2)
    bool webm = true;                    // lesson.webm: webm_video + Opus
    bool mp4 = true;                     // lesson.mp4: H.264 (libx264) + AAC, moov first (faststart)
    bool audio_only = true;              // + lesson.opus.webm (with webm) and lesson.m4a (with mp4)
    VideoCodec webm_video = VideoCodec::vp9;   // vp9 or vp8
    int opus_bit_rate = 32'000;          // RFC 6716 §2.1.1: 28–40 kb/s is the sweet spot for fullband speech
    int aac_bit_rate = 64'000;
    std::string title;                   // container metadata
    int keyframe_interval_s = 4;         // at least one keyframe every N seconds
    std::vector<mux::ContainerChapter> chapters; // in all four files (Matroska Chapters; MP4 chpl + chapter track)
};

class OutputSet {
public:
    static Result<std::unique_ptr<OutputSet>> create(const std::filesystem::path& dir, const OutputOptions& options);
    ~OutputSet();
    OutputSet(const OutputSet&) = delete;
    OutputSet& operator=(const OutputSet&) = delete;

    // Frame number `index` (pts = index / frame_rate); indices strictly increasing (gaps allowed: the previous frame
    // is held). force_keyframe: e.g. at a slide change. `changed_areas`, when given, are the only places where this
    // frame may differ from the previous one given to write_video (the compositor's redrawn rectangles): the change
    // map then compares only the blocks they touch instead of the whole frame. A caller that cannot promise this
    // passes nothing.
    Result<void> write_video(const I420View& frame, std::int64_t index, bool force_keyframe = false,
                             std::optional<std::span<const Rect>> changed_areas = std::nullopt);
    // `samples` frames of interleaved stereo float (-1..1) starting at sample `first_sample` (48 kHz ticks); contiguous.
    Result<void> write_audio(std::span<const float> interleaved, std::int64_t first_sample);
    // Flushes encoders, writes trailers; lesson.mp4 is rewritten with moov first. After finish() the files are complete.
    Result<void> finish();
    std::vector<std::filesystem::path> files() const;   // what was written

    struct Stats {
        std::int64_t frames = 0;          // given to write_video
        std::int64_t still_frames = 0;    // of them: not one block changed
        std::int64_t changed_blocks = 0;  // summed over frames (keyframes count as all changed)
        std::int64_t blocks_per_frame = 0;
        std::int64_t frame_buffers = 0; // pooled frame buffers allocated (frame_pool.hpp)
        std::int64_t copied_bytes = 0;  // composed pixels copied into them, over all frames
        std::int64_t full_copies = 0;   // frames copied into them whole (not only what changed)
    };
    Stats stats() const;

    struct Impl;

private:
    explicit OutputSet(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace tafel::transcode
