#pragma once
// The first step every job shares that turns one raw recording into published files (the
// render job, the audio-only preview job): recording.json and events.jsonl read and checked,
// the lesson's timeline, its paused spans (µs and 48 kHz samples), chapters and chat in
// output time, the output options with the lesson's title and chapters, and the work folder
// created; then the microphones mixed into output audio (LessonAudio) — one code path, so
// that the preview's audio-only files are the render's, byte for byte.
#include "core/error.hpp"
#include "ingest/raw_recording.hpp"
#include "transcode/audio_feed.hpp"
#include "transcode/audio_mixer.hpp"
#include "transcode/chat_panel.hpp"
#include "transcode/lesson_manifest.hpp"
#include "transcode/lesson_sidecars.hpp"
#include "transcode/lesson_timeline.hpp"
#include "transcode/pause_map.hpp"
#include "transcode/render_job.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

namespace tafel::transcode {

struct LessonInput {
    ingest::RecordingInfo info;
    std::vector<ingest::Event> events;
    LessonTimeline timeline;
    PauseMap pauses;        // µs of lesson time
    PauseMap sample_pauses; // the same spans in 48 kHz sample frames
    std::vector<ChapterCue> cues;
    std::int64_t output_ms = 0; // the lesson minus its paused spans
    std::vector<ChatLine> chat; // output time: a line sent during a pause counts from the resume
    OutputOptions output;       // RenderOptions::output, title defaulting to the meeting's, chapters set
    TrackOpener opener;         // RenderOptions::open_track, or the recorded tracks
};

// Reads and checks `raw_dir` (stopped, a positive duration, 48 kHz output audio) and creates
// `out_dir`. Held by pointer: LessonAudio refers to its timeline and pauses.
Result<std::unique_ptr<LessonInput>> read_lesson_input(const std::filesystem::path& raw_dir,
                                                       const std::filesystem::path& out_dir,
                                                       const RenderOptions& options);

// chat.json and chapters.vtt of the lesson into `out_dir`, appended to `files`.
Result<void> write_chat_and_chapters(const std::filesystem::path& out_dir, const LessonInput& input,
                                     std::vector<std::filesystem::path>& files);
// manifest.json listing `files` with their sizes, then appended to `files` itself. `manifest`
// brings what only the job knows (parts, layout); the lesson's fields are filled in here.
Result<void> write_lesson_manifest(const std::filesystem::path& out_dir, const LessonInput& input,
                                   LessonManifest manifest, std::vector<std::filesystem::path>& files);

// The lesson's output audio: every microphone of a participant recordable at some time,
// decoded and mixed, a packet heard only while its speaker is recordable (consent over
// time), paused spans cut sample-exactly. Streams: memory does not grow with the lesson.
class LessonAudio {
public:
    static Result<std::unique_ptr<LessonAudio>> open(const std::filesystem::path& raw_dir, const LessonInput& input);

    // The next at most `max_samples` sample frames of output audio (interleaved stereo,
    // 48 kHz), up to the next pause; empty at the end of the lesson.
    Result<std::vector<float>> next(std::int64_t max_samples);

    int tracks() const { return static_cast<int>(feeds_.size()); }
    std::uint64_t muted_packets() const;
    std::int64_t late_samples() const { return mixer_.late_samples(); }

private:
    LessonAudio(const LessonInput& input, std::vector<AudioFeed> feeds);
    // Mixes lesson audio up to `lesson_end` (48 kHz ticks): returned for output, or dropped
    // in steps of a second (a long pause costs no memory).
    Result<std::vector<float>> mix_to(std::int64_t lesson_end, bool keep);

    const PauseMap& sample_pauses_;
    std::vector<AudioFeed> feeds_;
    std::vector<std::function<bool(std::int64_t)>> audible_;
    AudioMixer mixer_;
};

} // namespace tafel::transcode
