#pragma once
// A track that is a media FILE already encoded — what BigBlueButton archives hold (WebM or
// FLV webcams and screen shares, Opus or WAV conference audio; docs/archive.md) — read
// through libavformat as an ingest::TrackReader, so the render job treats it like a pcap
// track: whole VP8 frames for video, Opus packets for audio, no RTP anywhere.
//
// recording.json marks such a track with `"container"` (docs/architecture.md, "Contract: the
// raw recording") and places it with `"start_utc_us"`: the wall time of the file's time 0.
// Frames are stamped as if they had arrived at start + pts (ClockAnchor), so MediaClock's
// arrival path places them exactly. VP8 and Opus pass through untouched; anything else
// (Flash FLV1/H.263, H.264, PCM, Speex, …) is decoded and re-encoded on the fly (VP8 at the
// source's size, Opus 48 kHz stereo) — one frame in memory at a time.
#include "core/error.hpp"
#include "core/time.hpp"
#include "ingest/raw_recording.hpp"
#include "ingest/track_reader.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace tafel::transcode {

struct FilePlacement {
    std::string container;        // "webm", "flv", "opus", "wav", …
    std::int64_t start_utc_us = 0; // wall time of the file's time 0
};

// The container fields of track `track_id` in `<recording_dir>/recording.json`; nullopt for
// a pcap track. Errors name the file and field.
Result<std::optional<FilePlacement>> file_placement(const std::filesystem::path& recording_dir,
                                                    const std::string& track_id);

// Opens `<recording_dir>/<track.file>` as a file track placed by `placement`.
Result<std::unique_ptr<ingest::TrackReader>> open_file_track(const std::filesystem::path& recording_dir,
                                                             const ingest::TrackInfo& track,
                                                             const ClockAnchor& anchor,
                                                             const FilePlacement& placement);

// The render job's default TrackOpener: container files through open_file_track, pcaps
// through ingest::TrackReader::open.
Result<std::unique_ptr<ingest::TrackReader>> open_recorded_track(const std::filesystem::path& recording_dir,
                                                                 const ingest::TrackInfo& track,
                                                                 const ClockAnchor& anchor);

} // namespace tafel::transcode
