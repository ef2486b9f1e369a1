#pragma once
// Unwraps RTP's 16-bit sequence numbers and 32-bit timestamps (RFC 3550 5.1) to int64, so
// that nobody downstream compares raw values across a wrap (STYLE.md "Time").
#include <cstdint>
#include <optional>

namespace tafel::ingest {

// Each value is placed at the int64 nearest to the previous result that has the same low
// `Bits` bits, i.e. a step of less than half the range is read as forward or backward. So a
// packet reordered from just before a wrap lands just below the wrap, not 2^Bits ahead.
// The first value is returned as it is (0 .. 2^Bits - 1).
template <unsigned Bits>
class Unwrapper {
    static_assert(Bits > 0 && Bits < 63);

public:
    static constexpr std::int64_t k_range = std::int64_t{1} << Bits;

    std::int64_t unwrap(std::uint64_t value) noexcept {
        const std::int64_t v = static_cast<std::int64_t>(value & (k_range - 1));
        last_ = last_ ? nearest(v, *last_) : v;
        return *last_;
    }

    // The int64 nearest `reference` whose low `Bits` bits are `value`; does not change state.
    static std::int64_t nearest(std::uint64_t value, std::int64_t reference) noexcept {
        const std::int64_t v = static_cast<std::int64_t>(value & (k_range - 1));
        std::int64_t diff = (v - reference) & (k_range - 1);   // 0 .. range-1, forward distance
        if (diff >= k_range / 2) diff -= k_range;              // read big forward steps as backward
        return reference + diff;
    }

    std::optional<std::int64_t> last() const noexcept { return last_; }

private:
    std::optional<std::int64_t> last_;
};

using SequenceUnwrapper = Unwrapper<16>;
using TimestampUnwrapper = Unwrapper<32>;

} // namespace tafel::ingest

namespace tafel::ingest {
extern template class Unwrapper<16>;
extern template class Unwrapper<32>;
} // namespace tafel::ingest
