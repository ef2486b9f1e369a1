#pragma once
// A recorded microphone decoded packet by packet into the mixer. Only tracks of
// participants who are recordable at some time of the lesson are opened at all; a packet
// is mixed only when its speaker is recordable at its time (consent over time).
#include "core/error.hpp"
#include "ingest/raw_recording.hpp"
#include "transcode/audio_decoder.hpp"
#include "transcode/audio_mixer.hpp"
#include "transcode/lesson_timeline.hpp"
#include "transcode/timed_track.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace tafel::transcode {

struct AudioFeed {
    TimedTrack track;
    AudioDecoder decoder;
    std::string participant;
    std::vector<float> samples;
    std::uint64_t muted_packets = 0; // skipped because the participant was not recordable then

    // Decodes and mixes every packet that starts before `end_sample`; a packet is mixed only
    // when `audible(lesson_us)` says so at its start.
    Result<void> feed(std::int64_t end_sample, AudioMixer& mixer, const std::function<bool(std::int64_t)>& audible);
};

// Every Opus audio track of a participant recordable at some time.
Result<std::vector<AudioFeed>> open_audio_feeds(const std::filesystem::path& raw_dir, const ingest::RecordingInfo& info,
                                                const LessonTimeline& timeline, const TrackOpener& opener);

} // namespace tafel::transcode
