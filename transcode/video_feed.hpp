#pragma once
// A recorded video track (webcam or screen share) decoded just far enough for the frame
// being composed: its latest picture. Only tracks of participants who are recordable at
// some time of the lesson are opened at all; what is shown when is LessonScene's decision
// (consent over time: LessonTimeline::recordable_at).
#include "core/error.hpp"
#include "ingest/raw_recording.hpp"
#include "transcode/i420_frame.hpp"
#include "transcode/lesson_timeline.hpp"
#include "transcode/timed_track.hpp"
#include "transcode/video_decoder.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace tafel::transcode {

struct VideoFeed {
    TimedTrack track;
    VideoDecoder decoder;
    std::string participant;
    bool screen = false;        // named by a screenshare_started event
    // The latest picture, handed to the compositor by reference: decoding the next one goes
    // into a buffer nobody holds any more (`buffers`), so a picture is never copied after
    // the decoder's own copy-out (a webcam's 345 kB 15 times a second).
    std::shared_ptr<const I420Frame> picture;
    bool has_picture = false;
    std::uint64_t pictures = 0; // decoded so far
    std::vector<std::shared_ptr<I420Frame>> buffers; // what `picture` and the next decode use

    // Decodes every frame presented at or before `lesson_us`; true if the picture changed.
    Result<bool> advance_to(std::int64_t lesson_us);
};

// Every VP8, VP9 or H.264 video track of a participant recordable at some time (others: a warning).
Result<std::vector<VideoFeed>> open_video_feeds(const std::filesystem::path& raw_dir, const ingest::RecordingInfo& info,
                                                const LessonTimeline& timeline, const TrackOpener& opener,
                                                int decoder_threads);

} // namespace tafel::transcode
