#pragma once
// `tafel import`: turns a packet capture of RTP (pcap or pcapng from any tool, or Janus .mjr
// recordings) into a raw
// recording folder exactly like the recorder writes (docs/architecture.md, "Contract: the
// raw recording"), so that it renders like a live lesson. Each RTP source (SSRC) becomes a
// track; its RTCP (muxed or on the next port) goes with it, so sender reports still sync.
#include "core/error.hpp"
#include "ingest/raw_recording.hpp"
#include "ingest/stream_description.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace tafel::ingest {

struct ImportOptions {
    // Empty: every RTP stream is detected — audio by its 48 kHz timestamp rate (Opus),
    // video by the keyframe signature its packets carry (VP8, VP9 or H.264 SPS).
    std::vector<StreamDescription> streams;
    std::string meeting_name;   // default: the capture's file name
};

struct ImportSummary {
    std::filesystem::path recording_dir;
    RecordingInfo info;
    std::uint64_t datagrams = 0;
    std::uint64_t ignored = 0;   // not RTP/RTCP of an imported stream
};

// Writes `<raw_root>/<recording id>/`. The first video and the first audio stream belong to a
// moderator ("teacher"), others to further participants; imported participants are marked
// as consenting (the person importing owns the capture). Errc::not_found when the capture
// holds no usable RTP stream; Errc::unsupported naming SSRC and port when a stream's codec
// cannot be told (describe it with --stream or --sdp).
Result<ImportSummary> import_capture(const std::filesystem::path& capture, const std::filesystem::path& raw_root,
                                     const ImportOptions& options);

// The same for several inputs: one pcap/pcapng, or the Janus recordings (.mjr, v1 or v2) of
// one session — one file per stream, merged by their frame times (ingest/mjr_reader.hpp).
// An .mjr names its codec, so its streams need no detection; the first file names the lesson.
Result<ImportSummary> import_captures(const std::vector<std::filesystem::path>& captures,
                                      const std::filesystem::path& raw_root, const ImportOptions& options);

} // namespace tafel::ingest
