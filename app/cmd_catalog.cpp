// tafel recordings list: what the catalog holds (jobs: cmd_jobs.cpp).
#include "app/commands.hpp"
#include "app/common_options.hpp"

#include "storage/catalog.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <memory>
#include <stdexcept>

namespace tafel::app {

namespace {

std::unique_ptr<storage::Catalog> open_catalog(const Config& config) {
    auto catalog = storage::Catalog::open(config.effective_database_url());
    if (!catalog) throw std::runtime_error(catalog.error().describe());
    return std::move(*catalog);
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
            fmt::print("{:<56} {:<11} {:>9}  {}\n", "ID", "STATE", "DURATION", "TITLE");
            for (const auto& r : *rows) {
                fmt::print("{:<56} {:<11} {:>8}s  {}\n", r.id, storage::to_string(r.state),
                           r.duration_ms / 1000, r.title);
            }
            return 0;
        };
    });

    add_jobs_commands(app, chosen);
}

} // namespace tafel::app
