#pragma once
// Each subcommand registers itself on the CLI and returns its exit code when run.
#include <functional>

namespace CLI {
class App;
}

namespace tafel::app {

// The action of the subcommand that was chosen; returns the process's exit code.
using Action = std::function<int()>;

void add_service_commands(CLI::App& app, Action& chosen);   // up, record, worker, serve
void add_lesson_commands(CLI::App& app, Action& chosen);    // simulate, demo, process
void add_catalog_commands(CLI::App& app, Action& chosen);   // recordings, jobs
void add_jobs_commands(CLI::App& app, Action& chosen);      // jobs list|show|retry|cancel|purge
void add_import_command(CLI::App& app, Action& chosen);     // import
void add_lifecycle_commands(CLI::App& app, Action& chosen);  // gc, audit, verify, recordings delete|retain|export
void add_reprocess_command(CLI::App& app, Action& chosen);  // reprocess (BigBlueButton archives)

} // namespace tafel::app
