#include "storage/catalog.hpp"

#include "core/time.hpp"
#include "storage/sqlite_catalog.hpp"

#include <fmt/format.h>

#include <array>
#include <utility>

namespace tafel::storage {

namespace {

constexpr std::array<std::pair<RecordingState, std::string_view>, 5> k_recording_states{{
    {RecordingState::recording, "recording"},
    {RecordingState::stopped, "stopped"},
    {RecordingState::processing, "processing"},
    {RecordingState::published, "published"},
    {RecordingState::failed, "failed"},
}};

constexpr std::array<std::pair<JobState, std::string_view>, 4> k_job_states{{
    {JobState::queued, "queued"},
    {JobState::running, "running"},
    {JobState::succeeded, "succeeded"},
    {JobState::failed, "failed"},
}};

constexpr std::string_view k_sqlite_scheme = "sqlite:";

} // namespace

std::string to_string(RecordingState s) {
    for (const auto& [state, name] : k_recording_states)
        if (state == s) return std::string(name);
    return "unknown";
}

std::string to_string(JobState s) {
    for (const auto& [state, name] : k_job_states)
        if (state == s) return std::string(name);
    return "unknown";
}

Result<RecordingState> recording_state_from(const std::string& s) {
    for (const auto& [state, name] : k_recording_states)
        if (name == s) return state;
    return tafel::fail(Errc::invalid_argument, fmt::format("unknown recording state \"{}\"", s));
}

Result<JobState> job_state_from(const std::string& s) {
    for (const auto& [state, name] : k_job_states)
        if (name == s) return state;
    return tafel::fail(Errc::invalid_argument, fmt::format("unknown job state \"{}\"", s));
}

Result<std::unique_ptr<Catalog>> Catalog::open(const std::string& url) {
    return open(url, [] { return wall_now().utc_us; });
}

Result<std::unique_ptr<Catalog>> Catalog::open(const std::string& url, CatalogClock clock) {
    if (url.starts_with(k_sqlite_scheme)) {
        auto catalog = SqliteCatalog::create(url.substr(k_sqlite_scheme.size()), std::move(clock));
        if (!catalog) return std::unexpected(catalog.error());
        return std::unique_ptr<Catalog>(std::move(*catalog));
    }
    return tafel::fail(Errc::unsupported,
                fmt::format("catalog URL \"{}\": only sqlite:<path> is supported so far", url));
}

Result<void> Catalog::delete_recording(const std::string& id) {
    return tafel::fail(Errc::unsupported, fmt::format("delete recording {}: this catalog cannot delete", id));
}

Result<std::vector<Job>> Catalog::jobs(std::size_t) {
    return tafel::fail(Errc::unsupported, "this catalog cannot list jobs");
}

} // namespace tafel::storage
