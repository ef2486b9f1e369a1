// tafel recordings list: what the catalog holds (jobs: cmd_jobs.cpp).
#include "app/commands.hpp"
#include "app/common_options.hpp"

#include "storage/catalog.hpp"
#include "storage/disk_usage.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <stdexcept>

namespace tafel::app {

namespace {

std::unique_ptr<storage::Catalog> open_catalog(const Config& config) {
    auto catalog = storage::Catalog::open(config.effective_database_url());
    if (!catalog) throw std::runtime_error(catalog.error().describe());
    return std::move(*catalog);
}

// The delete-after date as a UTC day, "-" when the retention sweep has not dated it yet.
std::string delete_on(std::int64_t utc_us) {
    if (utc_us == 0) return "-";
    const std::chrono::year_month_day ymd(std::chrono::floor<std::chrono::days>(
        std::chrono::sys_time<std::chrono::microseconds>(std::chrono::microseconds(utc_us))));
    return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                       static_cast<unsigned>(ymd.day()));
}

} // namespace

void add_catalog_commands(CLI::App& app, Action& chosen) {
    auto* recordings = app.add_subcommand("recordings", "Inspect the catalog of recordings.");
    recordings->require_subcommand(1);
    auto* list = recordings->add_subcommand("list", "List recordings, newest first.");
    auto common = std::make_shared<CommonOptions>();
    auto context = std::make_shared<std::string>();
    common->add_to(*list);
    list->add_option("--context", *context, "only this class/context");
    list->callback([&chosen, common, context] {
        chosen = [common, context] {
            auto catalog = open_catalog(common->load());
            auto rows = catalog->list_recordings(*context);
            if (!rows) throw std::runtime_error(rows.error().describe());
            fmt::print("{:<56} {:<11} {:>9} {:>10} {:>10} {:<10}  {}\n", "ID", "STATE", "DURATION", "RAW MB",
                       "PUBL. MB", "DELETE ON", "TITLE");
            for (const auto& r : *rows) {
                fmt::print("{:<56} {:<11} {:>8}s {:>10.1f} {:>10.1f} {:<10}  {}\n", r.id, storage::to_string(r.state),
                           r.duration_ms / 1000, r.raw_bytes / 1e6, r.published_bytes / 1e6,
                           delete_on(r.delete_after_utc_us), r.title);
            }
            // Disk accounting per context and in total (issue 9; sizes as of the last sweep).
            auto usage = storage::disk_usage(*catalog);
            if (!usage) throw std::runtime_error(usage.error().describe());
            for (const auto& [ctx, u] : usage->per_context)
                fmt::print("context {:<20} {:>4} recording(s) {:>10.1f} MB raw {:>10.1f} MB published\n", ctx,
                           u.recordings, u.raw_bytes / 1e6, u.published_bytes / 1e6);
            fmt::print("total   {:<20} {:>4} recording(s) {:>10.1f} MB raw {:>10.1f} MB published\n", "",
                       usage->total.recordings, usage->total.raw_bytes / 1e6, usage->total.published_bytes / 1e6);
            return 0;
        };
    });

    add_jobs_commands(app, chosen);
}

} // namespace tafel::app
