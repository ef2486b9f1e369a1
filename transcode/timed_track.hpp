#pragma once
// One track of a raw recording as a stream of frames stamped with lesson time. Opening
// reads the track once to find each SSRC's first frame and first RTCP sender report
// (TrackReader completes sender_reports() only at the end), builds a MediaClock per SSRC,
// then reopens the track to stream it: memory stays at one frame, whatever the length.
#include "core/error.hpp"
#include "ingest/raw_recording.hpp"
#include "ingest/track_reader.hpp"
#include "transcode/media_clock.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>

namespace tafel::transcode {

struct TimedFrame {
    ingest::EncodedFrame frame;
    std::int64_t lesson_us = 0;      // when the frame is presented, µs from the lesson start
    std::int64_t lesson_samples = 0; // the same in 48 kHz samples (the mix timeline)
};

// How a track is opened; tests substitute fakes, the render job uses TrackReader::open.
using TrackOpener = std::function<Result<std::unique_ptr<ingest::TrackReader>>(
    const std::filesystem::path& recording_dir, const ingest::TrackInfo& track, const ClockAnchor& anchor)>;

class TimedTrack {
public:
    static Result<TimedTrack> open(const std::filesystem::path& recording_dir, const ingest::TrackInfo& track,
                                   const ingest::RecordingInfo& info, const TrackOpener& opener);

    // The next frame without consuming it; nullptr at the end of the track.
    Result<const TimedFrame*> peek();
    // Consumes the frame peek() returned.
    void pop();

    const ingest::TrackInfo& track() const { return track_; }
    // The clock of `ssrc` (nullptr if the track never carried it); for diagnostics and tests.
    const MediaClock* clock(std::uint32_t ssrc) const;

private:
    TimedTrack(ingest::TrackInfo track, std::unique_ptr<ingest::TrackReader> reader,
               std::map<std::uint32_t, MediaClock> clocks)
        : track_(std::move(track)), reader_(std::move(reader)), clocks_(std::move(clocks)) {}

    ingest::TrackInfo track_;
    std::unique_ptr<ingest::TrackReader> reader_;
    std::map<std::uint32_t, MediaClock> clocks_;
    std::optional<TimedFrame> next_;
    bool ended_ = false;
};

} // namespace tafel::transcode
