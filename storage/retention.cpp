#include "storage/retention.hpp"

#include "core/log.hpp"
#include "storage/recording_deletion.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>

namespace tafel::storage {

namespace {

constexpr const char* k_actor = "retention";

// Raw data is what a re-render needs: it goes only when the last job of the recording
// succeeded and nothing is queued or running for it.
Result<bool> raw_is_done(Catalog& catalog, const RecordingRow& row) {
    if (row.state != RecordingState::published && row.state != RecordingState::unpublished) return false;
    auto jobs = catalog.jobs_of(row.id);
    if (!jobs) return std::unexpected(jobs.error());
    if (jobs->empty()) return false; // published by hand (import, tests): nothing says it rendered
    for (const Job& job : *jobs)
        if (job.state == JobState::queued || job.state == JobState::running) return false;
    // A light job (the audio-only preview, queued beside the render) needs only part of the
    // raw data and says nothing about whether the full lesson was made: judge by the last
    // heavy job (storage's kind classes, catalog.hpp).
    for (auto it = jobs->rbegin(); it != jobs->rend(); ++it)
        if (is_heavy_kind(it->kind)) return it->state == JobState::succeeded;
    return false;
}

Result<void> audit(Catalog& catalog, const std::string& actor, const char* action, const std::string& id,
                   const nlohmann::json& details) {
    AuditEntry entry;
    entry.actor = actor;
    entry.action = action;
    entry.recording_id = id;
    entry.details = details.dump();
    auto ok = catalog.append_audit(entry);
    if (!ok) return std::unexpected(ok.error());
    return {};
}

} // namespace

Result<RetentionPolicy> RetentionPolicy::parse(std::string_view default_rule, std::string_view contexts,
                                               bool keep_raw) {
    RetentionPolicy policy;
    auto rule = RetentionRule::parse(default_rule);
    if (!rule) return tafel::fail(rule.error().code, "retention_default: " + rule.error().message);
    policy.default_rule = *rule;
    auto rules = parse_retention_contexts(contexts);
    if (!rules) return tafel::fail(rules.error().code, "retention_contexts: " + rules.error().message);
    policy.per_context = std::move(*rules);
    policy.keep_raw = keep_raw;
    return policy;
}

const RetentionRule& RetentionPolicy::rule_for(const std::string& context) const {
    auto it = per_context.find(context);
    return it != per_context.end() ? it->second : default_rule;
}

std::int64_t RetentionPolicy::default_delete_after(const RecordingRow& row) const {
    return rule_for(row.context).delete_after(row.started_utc_us);
}

Result<void> change_delete_after(Catalog& catalog, const std::string& id, std::int64_t delete_after_utc_us,
                                 RetentionRole role, const std::string& actor) {
    auto row = catalog.recording(id);
    if (!row) return std::unexpected(row.error());
    if (!*row) return tafel::fail(Errc::not_found, fmt::format("no recording {}", id));
    const std::int64_t old = (*row)->delete_after_utc_us;
    auto now = catalog.now_utc_us();
    if (!now) return std::unexpected(now.error());
    // An owner may bring the date forward, never push it back: keeping data longer needs
    // the administrator (the school's data-protection decision, not the teacher's).
    const bool extends = old == 0 || delete_after_utc_us > old;
    if (extends && role != RetentionRole::admin)
        return tafel::fail(Errc::invalid_argument,
                           fmt::format("recording {}: only an administrator may extend the delete-after date", id));
    const std::int64_t when = std::max(delete_after_utc_us, role == RetentionRole::owner ? *now : delete_after_utc_us);
    if (auto ok = catalog.set_delete_after(id, when); !ok) return ok;
    return audit(catalog, actor, extends ? "extended" : "shortened", id,
                 {{"from_utc_us", old}, {"to_utc_us", when}});
}

Result<SweepReport> sweep(Catalog& catalog, const Layout& layout, const RetentionPolicy& policy,
                          std::int64_t now_utc_us) {
    auto log = log::get("retention");
    auto rows = catalog.list_recordings();
    if (!rows) return std::unexpected(rows.error());
    SweepReport report;
    auto problem = [&](const std::string& id, const Error& e) {
        report.errors.push_back(fmt::format("{}: {}", id, e.describe()));
        log->warn("recording {}: {}", id, e.describe());
    };
    for (RecordingRow& row : *rows) {
        if (row.state == RecordingState::recording) continue;
        if (row.delete_after_utc_us == 0) {
            row.delete_after_utc_us = policy.default_delete_after(row);
            if (auto ok = catalog.set_delete_after(row.id, row.delete_after_utc_us); !ok) {
                if (ok.error().code != Errc::not_found) problem(row.id, ok.error()); // not_found: deleted meanwhile
                continue;
            }
            ++report.stamped;
        }
        if (row.delete_after_utc_us <= now_utc_us) {
            // Re-read: an administrator may have extended the date since the listing.
            auto fresh = catalog.recording(row.id);
            if (!fresh) {
                problem(row.id, fresh.error());
                continue;
            }
            if (!*fresh || (*fresh)->delete_after_utc_us > now_utc_us) continue;
            auto deleted = delete_everywhere(catalog, layout, {row.id, k_actor, "expired"});
            if (!deleted) {
                problem(row.id, deleted.error());
                continue;
            }
            report.deleted.push_back(row.id);
            report.bytes_freed += deleted->bytes_freed;
            continue;
        }
        if (!policy.keep_raw) {
            std::error_code ec;
            auto done = raw_is_done(catalog, row);
            if (!done) {
                problem(row.id, done.error());
            } else if (*done && std::filesystem::exists(layout.raw_dir(row.id), ec)) {
                const std::int64_t bytes = layout.raw_bytes(row.id).value_or(0);
                std::filesystem::remove_all(layout.raw_dir(row.id), ec);
                if (ec) {
                    problem(row.id, Error{Errc::io, fmt::format("remove {}: {}", layout.raw_dir(row.id).string(),
                                                                ec.message())});
                } else {
                    report.raw_deleted.push_back(row.id);
                    report.bytes_freed += bytes;
                    if (auto ok = audit(catalog, k_actor, "raw_deleted", row.id, {{"bytes", bytes}}); !ok)
                        problem(row.id, ok.error());
                }
            }
        }
        // Disk accounting: what is on disk now.
        auto raw = layout.raw_bytes(row.id);
        auto published = layout.published_bytes(row.id);
        if (!raw || !published) {
            problem(row.id, raw ? published.error() : raw.error());
            continue;
        }
        if (*raw != row.raw_bytes || *published != row.published_bytes) {
            if (auto ok = catalog.set_sizes(row.id, *raw, *published); !ok && ok.error().code != Errc::not_found)
                problem(row.id, ok.error());
        }
    }
    if (!report.deleted.empty() || !report.raw_deleted.empty())
        log->info("sweep: {} expired recording(s) deleted, {} raw capture(s) removed, {} bytes freed",
                  report.deleted.size(), report.raw_deleted.size(), report.bytes_freed);
    return report;
}

} // namespace tafel::storage
