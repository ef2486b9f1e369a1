#pragma once
// Receiver statistics of one track's RTP, kept per SSRC (a track may carry several): packets
// lost and expected (RFC 3550 A.3), reordered and duplicated packets, and the interarrival
// jitter (RFC 3550 A.8, integer form). Fixed memory: at most k_max_ssrcs sources, a
// 1024-packet window for duplicate detection; packets of further SSRCs are still recorded,
// only not in these figures. Runs on the receiver's thread, no locks.
#include "core/time.hpp"

#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>

namespace tafel::ingest {

class RtpStreamStats {
public:
    static constexpr std::size_t k_max_ssrcs = 8;
    static constexpr std::int64_t k_window = 1024;   // packets remembered for duplicate detection

    explicit RtpStreamStats(int clock_rate = 90000) noexcept;

    struct Update {
        bool first = false;        // the first packet of its SSRC
        bool duplicate = false;
        bool reordered = false;    // older than the newest packet seen, not a duplicate
        std::int64_t gap = 0;      // sequence numbers skipped before this one (0 when in order)
        std::int64_t extended_seq = 0;
    };
    Update on_rtp(std::uint32_t ssrc, std::uint16_t seq, std::uint32_t timestamp, ArrivalTime arrival) noexcept;

    std::uint64_t lost() const noexcept;         // expected − received, summed over SSRCs, never negative
    std::uint64_t reordered() const noexcept;
    std::uint64_t duplicates() const noexcept;
    std::uint32_t jitter_ticks() const noexcept; // of the most recently active SSRC, in RTP clock ticks
    std::int64_t jitter_us() const noexcept;     // the same in microseconds
    // True when `extended_seq` of `ssrc` has arrived (within the window).
    bool received(std::uint32_t ssrc, std::int64_t extended_seq) const noexcept;

private:
    struct Source {
        std::uint32_t ssrc = 0;
        std::int64_t last_seq = 0;   // unwrapping reference (RFC 3550 A.1's cycles, as int64)
        std::int64_t base_seq = 0;
        std::int64_t max_seq = 0;
        std::uint64_t received = 0;  // distinct packets
        std::uint64_t reordered = 0;
        std::uint64_t duplicates = 0;
        std::int64_t last_arrival_ticks = 0;
        std::uint32_t last_timestamp = 0;
        std::uint32_t jitter_q4 = 0;  // jitter × 16 (RFC 3550 A.8)
        std::bitset<k_window> seen;   // bit (seq mod k_window) for seq in (max_seq − k_window, max_seq]
    };
    std::size_t index_of(std::uint32_t ssrc) const noexcept;   // count_ when absent

    int clock_rate_;
    std::array<Source, k_max_ssrcs> sources_{};
    std::size_t count_ = 0;
    std::size_t latest_ = 0;
};

} // namespace tafel::ingest
