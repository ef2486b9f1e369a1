#include "transcode/processing_window.hpp"

#include <fmt/format.h>

#include <cctype>
#include <ctime>

namespace tafel::transcode {

namespace {

std::optional<int> minute_of(const std::string& text, std::size_t at) {
    auto digit = [&](std::size_t i) { return std::isdigit(static_cast<unsigned char>(text[i])) != 0; };
    if (!digit(at) || !digit(at + 1) || text[at + 2] != ':' || !digit(at + 3) || !digit(at + 4)) return std::nullopt;
    const int h = (text[at] - '0') * 10 + (text[at + 1] - '0');
    const int m = (text[at + 3] - '0') * 10 + (text[at + 4] - '0');
    if (h > 23 || m > 59) return std::nullopt;
    return h * 60 + m;
}

} // namespace

Result<ProcessingWindow> ProcessingWindow::parse(const std::string& text) {
    ProcessingWindow window;
    if (text.empty()) return window;
    std::optional<int> start, end;
    if (text.size() == 11 && text[5] == '-') {
        start = minute_of(text, 0);
        end = minute_of(text, 6);
    }
    if (!start || !end) {
        return fail(Errc::invalid_argument,
                    fmt::format("processing window '{}' is not of the form HH:MM-HH:MM (e.g. 22:00-06:00)", text));
    }
    window.start_ = *start;
    window.end_ = *end;
    return window;
}

bool ProcessingWindow::open_at(int minute) const {
    if (!start_ || *start_ == end_) return true;
    if (*start_ < end_) return minute >= *start_ && minute < end_;
    return minute >= *start_ || minute < end_; // wraps past midnight
}

int ProcessingWindow::local_minute_now() {
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    return local.tm_hour * 60 + local.tm_min;
}

std::string ProcessingWindow::describe() const {
    if (!start_) return "always";
    return fmt::format("{:02}:{:02}-{:02}:{:02}", *start_ / 60, *start_ % 60, end_ / 60, end_ % 60);
}

} // namespace tafel::transcode
