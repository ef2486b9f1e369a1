#include "ingest/event_log.hpp"

#include "core/log.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace tafel::ingest {

namespace {
Error os_error(const char* what, const std::filesystem::path& path, int err) {
    const Errc code = (err == ENOSPC || err == EDQUOT) ? Errc::no_space : Errc::io;
    return Error{code, fmt::format("{} {}: {}", what, path.string(), std::strerror(err))};
}
} // namespace

EventLog::EventLog(std::filesystem::path path, UniqueFd fd, std::chrono::milliseconds interval)
    : path_(std::move(path)), fd_(std::move(fd)), interval_(interval), last_sync_ns_(arrival_now().ns) {}

Result<EventLog> EventLog::open(const std::filesystem::path& recording_dir, std::chrono::milliseconds sync_interval) {
    auto path = recording_dir / "events.jsonl";
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (!fd) return std::unexpected(os_error("open", path, errno));
    return EventLog(std::move(path), std::move(fd), sync_interval);
}

EventLog::~EventLog() {
    if (!fd_) return;
    if (auto r = close(); !r) log::get("ingest")->warn("closing event log: {}", r.error().describe());
}

Result<std::string> EventLog::append(std::string_view json_object, WallTime now) {
    if (!fd_) return fail(Errc::invalid_argument, fmt::format("append to closed {}", path_.string()));
    auto j = nlohmann::json::parse(json_object, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return fail(Errc::invalid_argument, "event is not a JSON object");
    const auto type = j.find("type");
    if (type == j.end() || !type->is_string() || type->get<std::string>().empty()) {
        return fail(Errc::invalid_argument, "event field \"type\" is missing or not a non-empty string");
    }
    const auto t = j.find("t_us");
    if (t == j.end() || t->is_null()) {
        j["t_us"] = now.utc_us;
    } else if (!t->is_number_integer()) {
        return fail(Errc::invalid_argument, "event field \"t_us\" is not an integer (UTC microseconds)");
    }
    std::string line = j.dump();   // one line: dump() without indent escapes nothing into newlines
    line += '\n';
    // One write of the whole line with O_APPEND: a crash leaves at most a torn last line.
    const char* p = line.data();
    std::size_t left = line.size();
    while (left > 0) {
        const ssize_t w = ::write(fd_.get(), p, left);
        if (w < 0) {
            if (errno == EINTR) continue;
            return std::unexpected(os_error("write", path_, errno));
        }
        p += w;
        left -= static_cast<std::size_t>(w);
    }
    ++appended_;
    dirty_ = true;
    const std::int64_t now_ns = arrival_now().ns;
    if (now_ns - last_sync_ns_ >= std::chrono::nanoseconds(interval_).count()) {
        if (auto r = sync(); !r) return std::unexpected(r.error());
    }
    line.pop_back();
    return line;
}

Result<void> EventLog::sync() {
    if (!fd_ || !dirty_) return {};
    if (::fdatasync(fd_.get()) != 0) return std::unexpected(os_error("fdatasync", path_, errno));
    dirty_ = false;
    last_sync_ns_ = arrival_now().ns;
    return {};
}

Result<void> EventLog::close() {
    if (!fd_) return {};
    auto r = sync();
    fd_.reset();
    return r;
}

} // namespace tafel::ingest
