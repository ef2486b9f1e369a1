#pragma once
// What every media test of tests/bbb checks, whoever the offerer is (GStreamer webrtcbin or
// headless Chromium): the SFU's startRecording round trip, the WebM as ffprobe/ffmpeg and
// the EBML bytes see it, and the raw capture as tafel's importer and renderer see it.
#include "offerer.hpp"
#include "redis_fixture.hpp"
#include "ingest/raw_recording.hpp"
#include "transcode/render_job.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace tafel::bbb::test {

// stdout of a shell command (ffprobe/ffmpeg: test tools only).
std::string run(const std::string& command);
unsigned mode_of(const std::filesystem::path& p);

// Offers `peer`'s SDP in the SFU's envelope as session `id` writing `file` (with
// `metadata`, which must come back), REQUIREs an ok startRecordingResponse, applies the
// answer and waits (bounded) for `flowing`.
struct Started {
    std::string answer_sdp;
    nlohmann::json flowing; // the recordingRtpStatusChanged message
};
Started start_recording(FakeSfuLink& sfu, Offerer& peer, const std::string& id, const std::string& file,
                        const nlohmann::json& metadata = nullptr);

// Whether the Segment has a Cues element among its children (RFC 9559 section 5.1).
bool has_cues(const std::filesystem::path& webm);

// ffprobe's view: format (duration, format_name) and streams (codec_name, width).
nlohmann::json probe(const std::filesystem::path& webm);
// What `ffmpeg -v error` says while decoding every frame (empty: all decoded).
std::string decode_errors(const std::filesystem::path& webm);

// A WebM as BBB's archive step gets it: finalised (REQUIREs a duration, which webmmux
// writes at EOS), with cues, private (0600), every frame decoding. Returns ffprobe's view
// and the duration in seconds.
struct FinalisedWebm {
    nlohmann::json probed;
    double duration_s = 0;
};
FinalisedWebm check_finalised_webm(const std::filesystem::path& webm);

// What the capture shows of the recorder's side: the RTCP it sent (source 127.0.0.1, see
// bbb/rtp_capture.cpp) and the RTP it received.
struct CaptureSummary {
    int nacks = 0;                    // RTPFB FMT 1, generic NACK (RFC 4585 section 6.2.1)
    std::vector<std::int64_t> pli_ns; // PSFB FMT 1, PLI (RFC 4585 section 6.3.1), send times
    std::set<std::uint16_t> vp8_seqs; // received, payload type 96
    int rtp = 0;                      // received RTP packets
    int sender_reports = 0;           // received RTCP compounds starting with an SR (PT 200)
};
CaptureSummary summarise_capture(const std::filesystem::path& capture);
// The capture beside `webm` closed (renamed from .tmp) and private (0600), summarised.
CaptureSummary check_closed_capture(const std::filesystem::path& webm);

// `tafel import` of the capture into `work`/raw and a small render of it into `work`/out
// (the whole chain the importer gets from BBB lessons recorded by tafel); REQUIREs both and
// `tracks` imported tracks.
struct Rendered {
    ingest::RecordingInfo imported;
    transcode::RenderSummary rendered;
};
Rendered import_and_render(const std::filesystem::path& capture, const std::filesystem::path& work, std::size_t tracks);

} // namespace tafel::bbb::test
