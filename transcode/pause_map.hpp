#pragma once
// The paused spans of a recording (events `recording_paused` / `recording_resumed`) and
// the mapping between lesson time (everything recorded, from recording.json
// started_utc_us) and output time (what the published files show: the lesson with every
// paused span cut out, audio and video alike). Unit-agnostic: ticks of whatever timebase
// the spans were given in (µs for video, 48 kHz samples for audio via rescaled()).
#include "core/rational.hpp"
#include "ingest/raw_recording.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace tafel::transcode {

struct PausedSpan {
    std::int64_t from = 0; // first paused tick
    std::int64_t to = 0;   // first tick recorded again
    friend bool operator==(const PausedSpan&, const PausedSpan&) = default;
};

class PauseMap {
public:
    PauseMap() = default;
    // Spans are clipped to [0, duration), sorted and merged; empty ones dropped.
    PauseMap(std::vector<PausedSpan> spans, std::int64_t duration);

    // From events.jsonl in µs of lesson time. A pause lasts until the next resume (or the
    // end); a pause while paused and a resume while running change nothing.
    static PauseMap from_events(const ingest::RecordingInfo& info, std::span<const ingest::Event> events,
                                std::int64_t duration_us);

    // The same spans in another timebase (e.g. µs → 48 kHz samples), rounded to the nearest tick.
    PauseMap rescaled(Rational from, Rational to) const;

    std::int64_t duration() const { return duration_; }
    std::int64_t paused() const { return paused_; }
    std::int64_t output_duration() const { return duration_ - paused_; }
    const std::vector<PausedSpan>& spans() const { return spans_; }

    // The lesson time shown at output time `out`: a cut lands on the first tick after the pause.
    std::int64_t to_lesson(std::int64_t out) const;
    // The output time of lesson time `lesson`; inside a pause, the output time of its start.
    std::int64_t to_output(std::int64_t lesson) const;
    // The span containing `lesson` (from <= lesson < to), if it is paused.
    std::optional<PausedSpan> pause_at(std::int64_t lesson) const;
    // The start of the first pause after `lesson`, or duration() if none.
    std::int64_t next_pause_after(std::int64_t lesson) const;

private:
    std::vector<PausedSpan> spans_;
    std::int64_t duration_ = 0;
    std::int64_t paused_ = 0;
};

} // namespace tafel::transcode
