#include "transcode/pause_map.hpp"

#include <algorithm>

namespace tafel::transcode {

PauseMap::PauseMap(std::vector<PausedSpan> spans, std::int64_t duration) : duration_(std::max<std::int64_t>(0, duration)) {
    for (auto& s : spans) {
        s.from = std::clamp<std::int64_t>(s.from, 0, duration_);
        s.to = std::clamp<std::int64_t>(s.to, 0, duration_);
    }
    std::erase_if(spans, [](const PausedSpan& s) { return s.to <= s.from; });
    std::sort(spans.begin(), spans.end(), [](const PausedSpan& a, const PausedSpan& b) { return a.from < b.from; });
    for (const auto& s : spans) {
        if (!spans_.empty() && s.from <= spans_.back().to) {
            spans_.back().to = std::max(spans_.back().to, s.to);
        } else {
            spans_.push_back(s);
        }
    }
    for (const auto& s : spans_) paused_ += s.to - s.from;
}

PauseMap PauseMap::from_events(const ingest::RecordingInfo& info, std::span<const ingest::Event> events,
                               std::int64_t duration_us) {
    std::vector<const ingest::Event*> sorted;
    for (const auto& e : events) {
        if (e.type == "recording_paused" || e.type == "recording_resumed") sorted.push_back(&e);
    }
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const ingest::Event* a, const ingest::Event* b) { return a->time.utc_us < b->time.utc_us; });
    std::vector<PausedSpan> spans;
    std::optional<std::int64_t> paused_since;
    for (const auto* e : sorted) {
        const std::int64_t at = std::max<std::int64_t>(0, e->time.utc_us - info.started.utc_us);
        if (e->type == "recording_paused") {
            if (!paused_since) paused_since = at;
        } else if (paused_since) {
            spans.push_back({*paused_since, at});
            paused_since.reset();
        }
    }
    if (paused_since) spans.push_back({*paused_since, duration_us});
    return PauseMap(std::move(spans), duration_us);
}

PauseMap PauseMap::rescaled(Rational from, Rational to) const {
    std::vector<PausedSpan> spans;
    for (const auto& s : spans_) spans.push_back({rescale(s.from, from, to), rescale(s.to, from, to)});
    return PauseMap(std::move(spans), rescale(duration_, from, to));
}

std::int64_t PauseMap::to_lesson(std::int64_t out) const {
    std::int64_t t = out;
    for (const auto& s : spans_) {
        if (s.from > t) break;
        t += s.to - s.from;
    }
    return t;
}

std::int64_t PauseMap::to_output(std::int64_t lesson) const {
    std::int64_t cut = 0;
    for (const auto& s : spans_) {
        if (s.from >= lesson) break;
        cut += std::min(lesson, s.to) - s.from;
    }
    return lesson - cut;
}

std::optional<PausedSpan> PauseMap::pause_at(std::int64_t lesson) const {
    for (const auto& s : spans_) {
        if (s.from <= lesson && lesson < s.to) return s;
        if (s.from > lesson) break;
    }
    return std::nullopt;
}

std::int64_t PauseMap::next_pause_after(std::int64_t lesson) const {
    for (const auto& s : spans_) {
        if (s.from > lesson) return s.from;
    }
    return duration_;
}

} // namespace tafel::transcode
