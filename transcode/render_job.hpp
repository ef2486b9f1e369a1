#pragma once
// The render job: one raw recording in (docs/architecture.md, "Contract: the raw
// recording"), one published lesson out — lesson.webm + lesson.mp4 (via OutputSet),
// chat.json, chapters.vtt, thumbnails.vtt + thumbnails-K.jpg, poster.jpg and
// manifest.json in `out_dir`. The video is the composed lesson (LessonScene) at the output
// frame rate for the whole duration (stopped − started) with every paused span
// (recording_paused … recording_resumed) cut out of video and audio alike; the audio is
// the microphones mixed. A participant who is not recordable at a time (neither moderator
// nor consenting then) contributes no picture and no sound at that time, and their chat
// lines are pseudonymised. Everything is streamed: memory does not grow with the lesson's
// length (the thumbnails, 160x90 every 10 s, excepted).
#include "core/error.hpp"
#include "transcode/output_set.hpp"
#include "transcode/timed_track.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace tafel::transcode {

struct RenderOptions {
    OutputOptions output;         // size, frame rate, containers, threads
    TrackOpener open_track;       // empty: ingest::TrackReader::open
    int decoder_threads = 1;      // slice threads of the webcam decoder
    // Layout preset ("default", "no_webcams", "webcams_only", "screen_share"); empty: the
    // recording.json field "layout" if present, else "default".
    std::string layout;
};

struct RenderSummary {
    std::int64_t duration_ms = 0;            // of the outputs: the lesson minus its paused spans
    std::int64_t paused_ms = 0;              // cut out (recording_paused … recording_resumed)
    int frames = 0;                          // video frames written
    std::int64_t audio_samples = 0;          // 48 kHz sample frames written
    int audio_tracks = 0;                    // tracks mixed
    bool webcam = false;                     // a (recordable) video track was found
    std::uint64_t webcam_pictures = 0;       // video pictures decoded (webcams and screen shares)
    std::uint64_t muted_packets = 0;         // audio packets left out: the speaker was not recordable then
    std::uint64_t compositions = 0;          // frames actually redrawn (the rest reused)
    int slide_changes = 0;
    int chat_lines = 0;
    int chapters = 0;                        // cues in chapters.vtt
    int thumbnails = 0;                      // tiles in the thumbnail sprites
    std::string layout;                      // the preset used
    std::vector<std::filesystem::path> files; // everything written into out_dir
};

// `progress(permille)` is called now and then with 0..1000; returning false cancels the
// render (Errc::cancelled, out_dir left for the caller to remove). An empty function never
// cancels. Errors name the recording and the file, track or field that was wrong.
Result<RenderSummary> render_recording(const std::filesystem::path& raw_dir, const std::filesystem::path& out_dir,
                                       const RenderOptions& options, std::function<bool(int permille)> progress);

} // namespace tafel::transcode
