#include "storage/catalog.hpp"

#include "core/time.hpp"
#include "storage/pg_catalog.hpp"
#include "storage/sqlite_catalog.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <utility>

namespace tafel::storage {

namespace {

constexpr std::array<std::pair<RecordingState, std::string_view>, 6> k_recording_states{{
    {RecordingState::recording, "recording"},
    {RecordingState::stopped, "stopped"},
    {RecordingState::processing, "processing"},
    {RecordingState::published, "published"},
    {RecordingState::failed, "failed"},
    {RecordingState::unpublished, "unpublished"},
}};

constexpr std::array<std::pair<JobState, std::string_view>, 5> k_job_states{{
    {JobState::queued, "queued"},
    {JobState::running, "running"},
    {JobState::succeeded, "succeeded"},
    {JobState::failed, "failed"},
    {JobState::cancelled, "cancelled"},
}};

constexpr std::string_view k_sqlite_scheme = "sqlite:";
constexpr std::array<std::string_view, 2> k_postgres_schemes{"postgresql://", "postgres://"};

constexpr std::array<std::string_view, 5> k_light_kinds{k_kind_preview, "publish", "audio", "chapters", "thumbnails"};

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

int default_priority(const std::string& kind) {
    for (auto light : k_light_kinds)
        if (kind == light) return k_priority_light;
    return k_priority_heavy;
}

bool is_heavy_kind(const std::string& kind) { return default_priority(kind) == k_priority_heavy; }

std::optional<std::int64_t> eta_us(const Job& job, std::int64_t now_utc_us) {
    if (job.state != JobState::running || job.progress_permille <= 0 || job.started_utc_us <= 0) return std::nullopt;
    const std::int64_t elapsed = std::max<std::int64_t>(0, now_utc_us - job.started_utc_us);
    const std::int64_t left = 1000 - std::min(job.progress_permille, 1000);
    return elapsed / job.progress_permille * left;
}

Result<std::unique_ptr<Catalog>> Catalog::open(const std::string& url) { return open(url, CatalogClock{}); }

Result<std::unique_ptr<Catalog>> Catalog::open(const std::string& url, CatalogClock clock) {
    if (url.starts_with(k_sqlite_scheme)) {
        auto catalog = SqliteCatalog::create(url.substr(k_sqlite_scheme.size()), std::move(clock));
        if (!catalog) return std::unexpected(catalog.error());
        return std::unique_ptr<Catalog>(std::move(*catalog));
    }
    for (auto scheme : k_postgres_schemes) {
        if (!url.starts_with(scheme)) continue;
        auto catalog = PgCatalog::create(url, std::move(clock));
        if (!catalog) return std::unexpected(catalog.error());
        return std::unique_ptr<Catalog>(std::move(*catalog));
    }
    return tafel::fail(Errc::unsupported,
                fmt::format("catalog URL \"{}\": use sqlite:<path> or postgresql://…", url));
}

Result<void> Catalog::delete_recording(const std::string& id) {
    return tafel::fail(Errc::unsupported, fmt::format("delete recording {}: this catalog cannot delete", id));
}

Result<std::vector<Job>> Catalog::jobs(std::size_t) {
    return tafel::fail(Errc::unsupported, "this catalog cannot list jobs");
}

Result<std::optional<Job>> Catalog::claim_priority(const std::string& worker, std::chrono::milliseconds, int, int) {
    return tafel::fail(Errc::unsupported, fmt::format("claim by {}: this catalog has no priority lanes", worker));
}

Result<bool> Catalog::wait_for_work(std::chrono::milliseconds) {
    return tafel::fail(Errc::unsupported, "this catalog cannot wait for work");
}

Result<void> Catalog::cancel(std::int64_t job_id) {
    return tafel::fail(Errc::unsupported, fmt::format("cancel job {}: this catalog cannot cancel", job_id));
}

Result<void> Catalog::retry(std::int64_t job_id) {
    return tafel::fail(Errc::unsupported, fmt::format("retry job {}: this catalog cannot retry", job_id));
}

Result<std::int64_t> Catalog::purge(std::int64_t) {
    return tafel::fail(Errc::unsupported, "this catalog cannot purge jobs");
}

Result<std::int64_t> Catalog::now_utc_us() { return wall_now().utc_us; }

bool is_audit_action(const std::string& action) {
    return std::ranges::any_of(k_audit_actions, [&](const char* known) { return action == known; });
}

Result<void> validate_audit_entry(const AuditEntry& entry) {
    if (!is_audit_action(entry.action))
        return tafel::fail(Errc::invalid_argument, fmt::format("audit entry: unknown action \"{}\"", entry.action));
    if (entry.actor.empty())
        return tafel::fail(Errc::invalid_argument, fmt::format("audit entry {}: no actor", entry.action));
    const auto details = nlohmann::json::parse(entry.details, nullptr, false);
    if (details.is_discarded() || !details.is_object())
        return tafel::fail(Errc::invalid_argument,
                           fmt::format("audit entry {}: details are not a JSON object: {}", entry.action, entry.details));
    return {};
}

Result<std::int64_t> Catalog::append_audit(const AuditEntry& entry) {
    return tafel::fail(Errc::unsupported, fmt::format("audit {}: this catalog has no audit log", entry.action));
}

Result<std::vector<AuditEntry>> Catalog::audit(const AuditFilter&) {
    return tafel::fail(Errc::unsupported, "this catalog has no audit log");
}

Result<void> Catalog::set_delete_after(const std::string& id, std::int64_t) {
    return tafel::fail(Errc::unsupported, fmt::format("recording {}: this catalog has no retention", id));
}

Result<void> Catalog::set_sizes(const std::string& id, std::int64_t, std::int64_t) {
    return tafel::fail(Errc::unsupported, fmt::format("recording {}: this catalog has no disk accounting", id));
}

Result<void> Catalog::mark_parts_ready(const std::string& id, unsigned) {
    return tafel::fail(Errc::unsupported, fmt::format("recording {}: this catalog keeps no ready parts", id));
}

std::vector<std::string> part_names(unsigned parts) {
    std::vector<std::string> names;
    if ((parts & k_part_audio) != 0) names.emplace_back("audio");
    if ((parts & k_part_video) != 0) names.emplace_back("video");
    return names;
}

Result<void> Catalog::set_recording_meta(const std::string& id, const std::map<std::string, std::string>&) {
    return tafel::fail(Errc::unsupported, fmt::format("metadata of {}: this catalog keeps none", id));
}

Result<std::map<std::string, std::string>> Catalog::recording_meta(const std::string& id) {
    return tafel::fail(Errc::unsupported, fmt::format("metadata of {}: this catalog keeps none", id));
}

} // namespace tafel::storage
