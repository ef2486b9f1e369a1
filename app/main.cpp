// tafel: records school video lessons and turns them into videos pupils can rewatch.
// This file only builds the command line; each subcommand lives in its own file.
#include "app/commands.hpp"
#include "app/services.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <exception>

int main(int argc, char** argv) {
    // Signals are taken synchronously by the main thread (sigwait); every thread started
    // later inherits the blocked mask, so no handler ever runs inside a library callback.
    tafel::app::block_stop_signals();

    CLI::App app{"tafel — records video lessons (RTP + events), renders them into one WebM/MP4 "
                 "lesson video and serves playback pages."};
    app.require_subcommand(1);
    app.set_version_flag("--version", "tafel 0.1.0");
    tafel::app::Action chosen;
    tafel::app::add_service_commands(app, chosen);
    tafel::app::add_lesson_commands(app, chosen);
    tafel::app::add_catalog_commands(app, chosen);
    tafel::app::add_lifecycle_commands(app, chosen); // after catalog: adds to `recordings`
    tafel::app::add_import_command(app, chosen);
    tafel::app::add_reprocess_command(app, chosen);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    try {
        return chosen ? chosen() : 2;
    } catch (const std::exception& e) {
        fmt::print(stderr, "tafel: {}\n", e.what());
        return 1;
    }
}
