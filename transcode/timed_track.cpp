#include "transcode/timed_track.hpp"

#include "core/log.hpp"

#include <fmt/format.h>

namespace tafel::transcode {

Result<TimedTrack> TimedTrack::open(const std::filesystem::path& recording_dir, const ingest::TrackInfo& track,
                                    const ingest::RecordingInfo& info, const TrackOpener& opener) {
    if (track.clock_rate <= 0) {
        return fail(Errc::malformed_input,
                    fmt::format("recording {}: track {} has clock_rate {}", info.id, track.id, track.clock_rate));
    }
    // Pass 1: first frame per SSRC, and every sender report.
    struct First {
        ArrivalTime arrival;
        std::int64_t rtp_timestamp;
    };
    std::map<std::uint32_t, First> firsts;
    auto reader = opener(recording_dir, track, info.anchor);
    if (!reader) return std::unexpected(reader.error());
    for (;;) {
        auto frame = (*reader)->next();
        if (!frame) return std::unexpected(frame.error());
        if (!*frame) break;
        firsts.try_emplace((*frame)->ssrc, First{(*frame)->arrival, (*frame)->rtp_timestamp});
    }
    std::map<std::uint32_t, MediaClock> clocks;
    const auto& reports = (*reader)->sender_reports();
    for (const auto& [ssrc, first] : firsts) {
        MediaClock clock = MediaClock::for_stream(ssrc, first.arrival, first.rtp_timestamp, track.clock_rate,
                                                  reports, info.anchor, info.started);
        log::get("transcode")->debug("recording {} track {} ssrc {:08x}: synced by {}", info.id, track.id, ssrc,
                                     clock.from_sender_report() ? "RTCP sender report" : "arrival time");
        clocks.emplace(ssrc, clock);
    }
    // Pass 2 streams from a fresh reader.
    auto streaming = opener(recording_dir, track, info.anchor);
    if (!streaming) return std::unexpected(streaming.error());
    return TimedTrack(track, std::move(*streaming), std::move(clocks));
}

const MediaClock* TimedTrack::clock(std::uint32_t ssrc) const {
    auto it = clocks_.find(ssrc);
    return it == clocks_.end() ? nullptr : &it->second;
}

Result<const TimedFrame*> TimedTrack::peek() {
    while (!next_ && !ended_) {
        auto frame = reader_->next();
        if (!frame) return std::unexpected(frame.error());
        if (!*frame) {
            ended_ = true;
            break;
        }
        const MediaClock* c = clock((*frame)->ssrc);
        if (c == nullptr) continue; // an SSRC pass 1 did not see: the file changed under us
        TimedFrame t;
        t.lesson_us = c->lesson_us((*frame)->rtp_timestamp);
        t.lesson_samples = c->lesson_ticks((*frame)->rtp_timestamp, k_timebase_48khz);
        t.frame = std::move(**frame);
        next_ = std::move(t);
    }
    return next_ ? &*next_ : nullptr;
}

void TimedTrack::pop() { next_.reset(); }

} // namespace tafel::transcode
