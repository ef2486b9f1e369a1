#pragma once
// When a worker may start heavy jobs (encodes): an optional daily span of local time such as
// "22:00-06:00" (it may wrap past midnight), so that a school's media server renders at night
// and leaves its CPU to live lessons by day. Light jobs are not bound by it: they are cheap and
// a teacher waits for them.
#include "core/error.hpp"

#include <optional>
#include <string>

namespace tafel::transcode {

class ProcessingWindow {
public:
    // "" → always open; otherwise "HH:MM-HH:MM". A span whose start equals its end is the
    // whole day. Errors quote the text.
    static Result<ProcessingWindow> parse(const std::string& text);

    // Is minute-of-day `minute` (0..1439, local time) inside the window? The start is
    // inside, the end is not.
    bool open_at(int minute) const;
    // The local minute-of-day now (localtime_r).
    static int local_minute_now();

    bool always() const { return !start_; }
    std::string describe() const;

private:
    std::optional<int> start_; // minutes after local midnight
    int end_ = 0;
};

} // namespace tafel::transcode
