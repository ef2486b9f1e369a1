#pragma once
// A value that changes at points in lesson time (a step function): the cursor, a webcam's
// on/off, the poll card, a participant's consent. Steps are added in any order and sorted
// once; a query is a binary search. A tie keeps the order of adding (the later event wins).
#include <algorithm>
#include <cstdint>
#include <vector>

namespace tafel::transcode {

template <class T>
class Steps {
public:
    struct Step {
        std::int64_t lesson_us = 0;
        T value{};
    };

    void set(std::int64_t lesson_us, T value) { steps_.push_back(Step{lesson_us, std::move(value)}); }
    void sort() {
        std::stable_sort(steps_.begin(), steps_.end(),
                         [](const Step& a, const Step& b) { return a.lesson_us < b.lesson_us; });
    }

    // How many steps happened at or before `lesson_us`: changes exactly when the value may.
    std::size_t version_at(std::int64_t lesson_us) const {
        auto it = std::upper_bound(steps_.begin(), steps_.end(), lesson_us,
                                   [](std::int64_t t, const Step& s) { return t < s.lesson_us; });
        return static_cast<std::size_t>(it - steps_.begin());
    }
    // The step in effect at `lesson_us`; nullptr before the first.
    const Step* step_at(std::int64_t lesson_us) const {
        const std::size_t n = version_at(lesson_us);
        return n == 0 ? nullptr : &steps_[n - 1];
    }
    // The value in effect at `lesson_us`, or `before` ahead of the first step.
    T value_at(std::int64_t lesson_us, T before) const {
        const Step* s = step_at(lesson_us);
        return s == nullptr ? before : s->value;
    }

    bool empty() const { return steps_.empty(); }
    const std::vector<Step>& steps() const { return steps_; }

private:
    std::vector<Step> steps_;
};

} // namespace tafel::transcode
