// tafel up | record | worker | serve: the long-running services, together or apart.
#include "app/cmd_bbb.hpp"
#include "app/commands.hpp"
#include "app/common_options.hpp"
#include "app/services.hpp"

#include "core/log.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <memory>

namespace tafel::app {

namespace {

void add_service(CLI::App& app, Action& chosen, const char* name, const char* help, ServiceSet which) {
    auto* cmd = app.add_subcommand(name, help);
    auto options = std::make_shared<CommonOptions>();
    options->add_to(*cmd);
    // `record --bbb` is the drop-in for BigBlueButton's recorder (app/cmd_bbb.cpp).
    auto bbb = which.recorder && !which.worker && !which.player ? add_bbb_options(*cmd) : nullptr;
    cmd->callback([&chosen, options, which, bbb] {
        chosen = [options, which, bbb] {
            if (bbb && bbb_requested(*bbb)) return run_bbb_recorder(*bbb);
            const Config config = options->load();
            auto services = Services::start(config, which);
            if (which.player) fmt::print("tafel: recordings at http://{}:{}/\n", config.listen_address,
                                         services->player_port());
            if (which.recorder) fmt::print("tafel: recorder control API at {}\n", services->control_url());
            if (which.worker) {
                fmt::print("tafel: worker ready ({} at once, nice {}, processing window {})\n", config.workers,
                           config.worker_nice, config.processing_window.empty() ? "always" : config.processing_window);
            }
            std::fflush(stdout);
            const std::string signal = wait_for_stop_signal();
            log::get("tafel")->info("{}: stopping (finishing open recordings and running jobs)", signal);
            services->stop();
            return 0;
        };
    });
}

} // namespace

void add_service_commands(CLI::App& app, Action& chosen) {
    add_service(app, chosen, "up",
                "Run recorder, worker and player in one process on a local data folder (SQLite). "
                "Ctrl-C stops gracefully.",
                ServiceSet{true, true, true});
    add_service(app, chosen, "record",
                "Run only the recorder: the control API and the UDP ports that capture RTP/RTCP.",
                ServiceSet{true, false, false});
    add_service(app, chosen, "worker",
                "Run only the processing workers: claim render jobs from the queue and publish lessons.",
                ServiceSet{false, true, false});
    add_service(app, chosen, "serve",
                "Run only the player: playback pages, media with Range, JSON API.",
                ServiceSet{false, false, true});
}

} // namespace tafel::app
