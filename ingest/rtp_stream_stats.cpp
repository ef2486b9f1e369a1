#include "ingest/rtp_stream_stats.hpp"

#include "ingest/sequence_unwrapper.hpp"

#include <cstdlib>

namespace tafel::ingest {

namespace {
std::size_t slot(std::int64_t seq) noexcept {
    return static_cast<std::size_t>(seq & (RtpStreamStats::k_window - 1));
}
} // namespace

RtpStreamStats::RtpStreamStats(int clock_rate) noexcept : clock_rate_(clock_rate > 0 ? clock_rate : 90000) {}

std::size_t RtpStreamStats::index_of(std::uint32_t ssrc) const noexcept {
    for (std::size_t i = 0; i < count_; ++i) {
        if (sources_[i].ssrc == ssrc) return i;
    }
    return count_;
}

RtpStreamStats::Update RtpStreamStats::on_rtp(std::uint32_t ssrc, std::uint16_t seq, std::uint32_t timestamp,
                                              ArrivalTime arrival) noexcept {
    Update u;
    const std::int64_t arrival_ticks = rescale(arrival.ns, k_timebase_ns, Rational{1, clock_rate_});
    const std::size_t index = index_of(ssrc);
    if (index == count_) {
        if (count_ == k_max_ssrcs) return u;   // beyond the bound: recorded, not counted here
        Source* s = &sources_[count_];
        latest_ = count_++;
        *s = Source{};
        s->ssrc = ssrc;
        s->last_seq = s->base_seq = s->max_seq = seq;
        s->received = 1;
        s->seen.set(slot(seq));
        s->last_arrival_ticks = arrival_ticks;
        s->last_timestamp = timestamp;
        u.first = true;
        u.extended_seq = seq;
        return u;
    }
    latest_ = index;
    Source* s = &sources_[index];
    const std::int64_t ext = SequenceUnwrapper::nearest(seq, s->last_seq);
    s->last_seq = ext;
    u.extended_seq = ext;
    if (ext > s->max_seq) {
        const std::int64_t advance = ext - s->max_seq;
        if (advance >= k_window) {
            s->seen.reset();
        } else {
            for (std::int64_t q = s->max_seq + 1; q <= ext; ++q) s->seen.reset(slot(q));
        }
        u.gap = advance - 1;
        s->max_seq = ext;
    } else if (ext <= s->max_seq - k_window || ext < s->base_seq) {
        // Too old to tell a duplicate from a late packet; counted as reordered only.
        ++s->reordered;
        u.reordered = true;
        return u;
    } else if (s->seen.test(slot(ext))) {
        ++s->duplicates;
        u.duplicate = true;
        return u;
    } else {
        ++s->reordered;
        u.reordered = true;
    }
    s->seen.set(slot(ext));
    ++s->received;

    // RFC 3550 A.8: D = (Rj − Ri) − (Sj − Si) in timestamp units; J += (|D| − J) / 16, kept ×16.
    const auto ts_delta = static_cast<std::int32_t>(timestamp - s->last_timestamp);   // modulo 2^32
    const std::int64_t d = (arrival_ticks - s->last_arrival_ticks) - ts_delta;
    const std::int64_t abs_d = std::llabs(d) > 0x7fffffff ? 0x7fffffff : std::llabs(d);
    const std::int64_t jitter = static_cast<std::int64_t>(s->jitter_q4) + abs_d - ((s->jitter_q4 + 8) >> 4);
    s->jitter_q4 = static_cast<std::uint32_t>(jitter < 0 ? 0 : jitter > 0xffffffffLL ? 0xffffffffLL : jitter);
    s->last_arrival_ticks = arrival_ticks;
    s->last_timestamp = timestamp;
    return u;
}

std::uint64_t RtpStreamStats::lost() const noexcept {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < count_; ++i) {
        const Source& s = sources_[i];
        const auto expected = static_cast<std::uint64_t>(s.max_seq - s.base_seq + 1);
        if (expected > s.received) total += expected - s.received;
    }
    return total;
}

std::uint64_t RtpStreamStats::reordered() const noexcept {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < count_; ++i) total += sources_[i].reordered;
    return total;
}

std::uint64_t RtpStreamStats::duplicates() const noexcept {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < count_; ++i) total += sources_[i].duplicates;
    return total;
}

std::uint32_t RtpStreamStats::jitter_ticks() const noexcept {
    return count_ == 0 ? 0 : sources_[latest_].jitter_q4 >> 4;
}

std::int64_t RtpStreamStats::jitter_us() const noexcept {
    return rescale(jitter_ticks(), Rational{1, clock_rate_}, k_timebase_us);
}

bool RtpStreamStats::received(std::uint32_t ssrc, std::int64_t extended_seq) const noexcept {
    const std::size_t index = index_of(ssrc);
    if (index == count_) return false;
    const Source* s = &sources_[index];
    if (extended_seq > s->max_seq || extended_seq <= s->max_seq - k_window || extended_seq < s->base_seq) {
        return false;
    }
    return s->seen.test(slot(extended_seq));
}

} // namespace tafel::ingest
