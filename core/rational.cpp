#include "core/rational.hpp"

#include <limits>

namespace tafel {

namespace {

__extension__ using i128 = __int128; // GCC/Clang extension; wide enough for int64*int64

i128 divide(i128 n, i128 d, Rounding rounding) {
    // d > 0 always (both timebases are positive).
    i128 q = n / d;
    i128 r = n % d;
    if (r == 0) return q;
    switch (rounding) {
    case Rounding::down: return n < 0 ? q - 1 : q;
    case Rounding::up: return n < 0 ? q : q + 1;
    case Rounding::nearest: {
        i128 twice = (r < 0 ? -r : r) * 2;
        if (twice >= d) return n < 0 ? q - 1 : q + 1;
        return q;
    }
    }
    return q;
}

} // namespace

std::int64_t rescale(std::int64_t value, Rational from, Rational to, Rounding rounding) noexcept {
    // value * from.num / from.den = x * to.num / to.den  =>  x = value * from.num * to.den /
    // (from.den * to.num). Each product of two int64 fits in 128 bits; the product of three
    // might not, so the numerator and denominator are built from two factors each.
    if (!from.valid() || !to.valid()) return 0;
    const i128 n = static_cast<i128>(value) * from.num;
    const i128 d = static_cast<i128>(from.den) * to.num;
    // n * to.den may overflow 128 bits only for absurd timebases; reduce first.
    const i128 big = static_cast<i128>(std::numeric_limits<std::int64_t>::max());
    i128 result;
    if ((n < 0 ? -n : n) <= big) {
        result = divide(n * to.den, d, rounding);
    } else {
        // Split n = a * d + b so that n * to.den / d = a * to.den + b * to.den / d.
        i128 a = n / d;
        i128 b = n % d;
        result = a * to.den + divide(b * to.den, d, rounding);
    }
    if (result > big) return std::numeric_limits<std::int64_t>::max();
    if (result < -big - 1) return std::numeric_limits<std::int64_t>::min();
    return static_cast<std::int64_t>(result);
}

} // namespace tafel
