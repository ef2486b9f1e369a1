// Lifecycle and privacy commands (issue 9): tafel gc, tafel audit, tafel verify, and
// tafel recordings delete | retain | export | share. Only wiring: the logic is in storage/
// (and player/share_link for the signed link).
#include "app/commands.hpp"
#include "app/common_options.hpp"

#include "core/retention_rule.hpp"
#include "player/share_link.hpp"
#include "storage/catalog.hpp"
#include "storage/checksums.hpp"
#include "storage/layout.hpp"
#include "storage/lesson_export.hpp"
#include "storage/recording_deletion.hpp"
#include "storage/retention.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <stdexcept>

#include <pwd.h>
#include <unistd.h>

namespace tafel::app {

namespace {

template <typename T>
T or_throw(Result<T> r) {
    if (!r) throw std::runtime_error(r.error().describe());
    return std::move(*r);
}

void or_throw(Result<void> r) {
    if (!r) throw std::runtime_error(r.error().describe());
}

std::unique_ptr<storage::Catalog> open_catalog(const Config& config) {
    return or_throw(storage::Catalog::open(config.effective_database_url()));
}

// Who acts, for the audit log: the operating-system account running the command.
std::string cli_actor() {
    const passwd* pw = getpwuid(geteuid());
    return fmt::format("cli:{}", pw != nullptr ? pw->pw_name : std::to_string(geteuid()));
}

std::string utc_date(std::int64_t utc_us) {
    if (utc_us == 0) return "-";
    const auto day = std::chrono::floor<std::chrono::days>(
        std::chrono::sys_time<std::chrono::microseconds>(std::chrono::microseconds(utc_us)));
    const std::chrono::year_month_day ymd(day);
    return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                       static_cast<unsigned>(ymd.day()));
}

// One subcommand with the common flags; `body(config)` returns the exit code.
template <typename Body>
CLI::App* add_command(CLI::App& parent, Action& chosen, const char* name, const char* help, Body body) {
    auto* cmd = parent.add_subcommand(name, help);
    auto common = std::make_shared<CommonOptions>();
    common->add_to(*cmd);
    cmd->callback([&chosen, common, body] {
        chosen = [common, body] { return body(common->load()); };
    });
    return cmd;
}

int run_gc(const Config& config) {
    auto catalog = open_catalog(config);
    const storage::Layout layout(config.data_dir);
    const auto policy =
        or_throw(storage::RetentionPolicy::parse(config.retention_default, config.retention_contexts, config.keep_raw));
    const auto report = or_throw(storage::sweep(*catalog, layout, policy, or_throw(catalog->now_utc_us())));
    for (const auto& id : report.deleted) fmt::print("deleted {} (expired)\n", id);
    for (const auto& id : report.raw_deleted) fmt::print("removed raw capture of {} (published)\n", id);
    for (const auto& e : report.errors) fmt::print(stderr, "tafel gc: {}\n", e);
    fmt::print("{} recording(s) deleted, {} raw capture(s) removed, {} bytes freed, {} newly dated\n",
               report.deleted.size(), report.raw_deleted.size(), report.bytes_freed, report.stamped);
    return report.errors.empty() ? 0 : 1;
}

int run_verify(const Config& config, const std::vector<std::string>& ids) {
    auto catalog = open_catalog(config);
    const storage::Layout layout(config.data_dir);
    std::vector<std::string> which = ids;
    if (which.empty()) {
        for (const auto& r : or_throw(catalog->list_recordings()))
            if (r.state == storage::RecordingState::published || r.state == storage::RecordingState::unpublished)
                which.push_back(r.id);
    }
    int bad = 0;
    for (const auto& id : which) {
        auto problems = storage::verify_checksums(layout.published_dir(id));
        if (!problems) {
            fmt::print("{}: {}\n", id, problems.error().describe());
            ++bad;
            continue;
        }
        if (problems->empty()) {
            fmt::print("{}: ok\n", id);
            continue;
        }
        ++bad;
        for (const auto& p : *problems) fmt::print("{}: {} {}\n", id, storage::to_string(p.kind), p.file);
    }
    return bad == 0 ? 0 : 1;
}

int run_audit(const Config& config, const storage::AuditFilter& filter, bool json) {
    auto catalog = open_catalog(config);
    for (const auto& e : or_throw(catalog->audit(filter))) {
        if (json) {
            // JSON lines: one object per entry, details embedded as an object.
            auto details = nlohmann::json::parse(e.details, nullptr, false);
            fmt::print("{}\n", nlohmann::json{{"id", e.id},
                                              {"at_utc_us", e.at_utc_us},
                                              {"actor", e.actor},
                                              {"action", e.action},
                                              {"recording", e.recording_id},
                                              {"details", details.is_discarded() ? nlohmann::json(e.details) : details}}
                                   .dump());
        } else {
            fmt::print("{:>6} {} {:<12} {:<16} {:<48} {}\n", e.id, utc_date(e.at_utc_us), e.action, e.actor,
                       e.recording_id, e.details);
        }
    }
    return 0;
}

} // namespace

void add_lifecycle_commands(CLI::App& app, Action& chosen) {
    add_command(app, chosen, "gc",
                "Delete expired recordings completely (raw, published, temp files, rows) and raw captures of "
                "published lessons (unless keep_raw); refresh disk sizes.",
                [](const Config& config) { return run_gc(config); });

    auto ids = std::make_shared<std::vector<std::string>>();
    auto* verify = add_command(app, chosen, "verify",
                               "Check published files against the SHA-256 checksums in their manifest.json.",
                               [ids](const Config& config) { return run_verify(config, *ids); });
    verify->add_option("ids", *ids, "recordings to check (default: every published one)");

    auto filter = std::make_shared<storage::AuditFilter>();
    auto json = std::make_shared<bool>(false);
    auto* audit = add_command(app, chosen, "audit", "Show the audit log (who created, published, shared, deleted what).",
                              [filter, json](const Config& config) { return run_audit(config, *filter, *json); });
    audit->add_option("--recording", filter->recording_id, "only entries of this recording");
    audit->add_option("--action", filter->action, "only this action");
    audit->add_option("--limit", filter->limit, "only the newest N entries");
    audit->add_flag("--json", *json, "JSON lines (one object per entry), for export");

    CLI::App* recordings = app.get_subcommand("recordings"); // created by add_catalog_commands

    auto delete_ids = std::make_shared<std::vector<std::string>>();
    auto reason = std::make_shared<std::string>("request");
    auto* del = add_command(*recordings, chosen, "delete",
                            "Delete recordings everywhere at once (jobs cancelled first; idempotent).",
                            [delete_ids, reason](const Config& config) {
                                auto catalog = open_catalog(config);
                                const storage::Layout layout(config.data_dir);
                                for (const auto& id : *delete_ids) {
                                    const auto out = or_throw(storage::delete_everywhere(
                                        *catalog, layout, {id, cli_actor(), *reason}));
                                    if (out.existed)
                                        fmt::print("deleted {}: {} bytes, {} job(s) cancelled\n", id, out.bytes_freed,
                                                   out.jobs_cancelled);
                                    else
                                        fmt::print("{}: nothing left to delete\n", id);
                                }
                                return 0;
                            });
    del->add_option("ids", *delete_ids, "recording ids")->required();
    del->add_option("--reason", *reason, "why, for the audit log (default: request)");

    struct Retain {
        std::string id, until;
        int days = 0;
        bool admin = false;
    };
    auto retain = std::make_shared<Retain>();
    auto* keep = add_command(
        *recordings, chosen, "retain",
        "Change a recording's delete-after date: owners may shorten it, --admin may also extend it.",
        [retain](const Config& config) {
            auto catalog = open_catalog(config);
            auto row = or_throw(catalog->recording(retain->id));
            if (!row) throw std::runtime_error(fmt::format("no recording {}", retain->id));
            std::int64_t when = 0;
            if (!retain->until.empty()) {
                when = or_throw(RetentionRule::parse(retain->until)).delete_after(row->started_utc_us);
            } else if (retain->days > 0) {
                when = or_throw(catalog->now_utc_us()) + std::int64_t{retain->days} * 86'400'000'000;
            } else {
                throw std::runtime_error("recordings retain: give --until YYYY-MM-DD or --days N");
            }
            or_throw(storage::change_delete_after(*catalog, retain->id, when,
                                                  retain->admin ? storage::RetentionRole::admin
                                                                : storage::RetentionRole::owner,
                                                  cli_actor()));
            fmt::print("{}: delete after {}\n", retain->id,
                       utc_date(or_throw(catalog->recording(retain->id))->delete_after_utc_us));
            return 0;
        });
    keep->add_option("id", retain->id, "recording id")->required();
    keep->add_option("--until", retain->until, "a date (YYYY-MM-DD, kept to its end) or a rule (30d, 07-31)");
    keep->add_option("--days", retain->days, "N days from now");
    keep->add_flag("--admin", retain->admin, "act as administrator (may extend)");

    auto export_args = std::make_shared<std::pair<std::string, std::string>>();
    auto* exp = add_command(*recordings, chosen, "export",
                            "Write one self-contained folder (video, chat, chapters, a static page) to keep.",
                            [export_args](const Config& config) {
                                auto catalog = open_catalog(config);
                                const storage::Layout layout(config.data_dir);
                                const auto index =
                                    or_throw(storage::export_lesson(layout, export_args->first, export_args->second));
                                storage::AuditEntry entry;
                                entry.actor = cli_actor();
                                entry.action = "downloaded";
                                entry.recording_id = export_args->first;
                                entry.details = nlohmann::json{{"export", export_args->second}}.dump();
                                or_throw(catalog->append_audit(entry));
                                fmt::print("{}\n", index.string());
                                return 0;
                            });
    exp->add_option("id", export_args->first, "recording id")->required();
    exp->add_option("dir", export_args->second, "target folder (new or empty)")->required();

    struct Share {
        std::string id;
        bool owner = false;
        int days = 7;
    };
    auto share = std::make_shared<Share>();
    auto* shr = add_command(
        *recordings, chosen, "share", "Print a signed link to a recording's page (audited as shared; needs 'secret').",
        [share](const Config& config) {
            auto catalog = open_catalog(config);
            if (!or_throw(catalog->recording(share->id)))
                throw std::runtime_error(fmt::format("no recording {}", share->id));
            const std::int64_t now_s = or_throw(catalog->now_utc_us()) / 1'000'000;
            const auto link = or_throw(player::share_link(config.effective_public_url(), share->id, share->owner, now_s,
                                                          std::int64_t{share->days} * 86'400, config.secret));
            // Issue 9: handing out access is audited (role and expiry; never the recipient).
            storage::AuditEntry entry;
            entry.actor = cli_actor();
            entry.action = "shared";
            entry.recording_id = share->id;
            entry.details = nlohmann::json{{"role", link.role}, {"expires_unix_s", link.expires_unix_s}}.dump();
            or_throw(catalog->append_audit(entry));
            fmt::print("{}\n", link.url);
            return 0;
        });
    shr->add_option("id", share->id, "recording id")->required();
    shr->add_flag("--owner", share->owner, "an owner's link (may download and manage) instead of a viewer's");
    shr->add_option("--days", share->days, "how long the link is valid (default 7)")->check(CLI::Range(1, 366));
}

} // namespace tafel::app
