#include "app/common_options.hpp"

#include "core/log.hpp"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <stdexcept>

namespace tafel::app {

void CommonOptions::add_to(CLI::App& cmd) {
    cmd.add_option("--config", config_file, "JSON file with settings (keys as the flags, '_' for '-')");
    auto flag = [&](const char* name, const char* key, const char* help) {
        cmd.add_option_function<std::string>(
            name, [this, key](const std::string& v) { flags.emplace_back(key, v); }, help);
    };
    flag("--data-dir", "data_dir", "data folder: raw/, published/, tmp/, tafel.db (default ./data)");
    flag("--listen", "listen_address", "address the player and the recorder listen on (default 127.0.0.1)");
    flag("--player-port", "player_port", "HTTP port of the player (default 8080)");
    flag("--control-port", "control_port", "HTTP port of the recorder's control API (default 8090)");
    flag("--rtp-port-min", "rtp_port_min", "lowest UDP port handed to streams (default 40000)");
    flag("--rtp-port-max", "rtp_port_max", "highest UDP port handed to streams (default 40999)");
    flag("--database", "database_url", "catalog and queue database URL (default sqlite:<data-dir>/tafel.db)");
    flag("--workers", "workers", "recordings processed at once (default 1)");
    flag("--encoder-threads", "encoder_threads", "threads per encoder, 0 = (cores - 1) / 2, at least 1 (default 0)");
    flag("--public-url", "public_url", "base URL printed for playback links (default http://<listen>:<player-port>)");
    flag("--sync-interval-ms", "sync_interval_ms", "recorder: how often captured packets are synced to disk (default 250)");
    flag("--disk-floor-mb", "disk_floor_mb", "recorder: refuse new sessions below this much free disk (default 1024)");
    flag("--consent-policy", "consent_policy",
         "recorder: consenting or teacher_only for sessions that name none (default consenting; per context: config)");
    flag("--recorder-threads", "recorder_threads", "recorder: media threads owning the UDP sockets (default 1)");
    flag("--worker-nice", "worker_nice", "nice level of processing threads, 0..19 (default 10)");
    flag("--job-lease-s", "job_lease_s", "seconds a worker holds a job between heartbeats (default 30)");
    flag("--job-poll-ms", "job_poll_ms", "how often an idle worker looks for work (default 500)");
    flag("--processing-window", "processing_window", "heavy jobs only in this local time span, e.g. 22:00-06:00");
    flag("--log-level", "log_level", "trace, debug, info, warn, error, critical or off (default info)");
}

Config CommonOptions::load() const {
    std::optional<std::filesystem::path> file;
    if (config_file) file = *config_file;
    auto config = Config::load(file, [](const char* name) { return std::getenv(name); });
    if (!config) throw std::runtime_error(config.error().message);
    for (const auto& [key, value] : flags) {
        std::string flag_name = "--" + key;
        for (auto& c : flag_name) c = c == '_' ? '-' : c;
        if (auto ok = config->set(key, value, "flag " + flag_name); !ok) {
            throw std::runtime_error(ok.error().message);
        }
    }
    if (auto ok = config->validate(); !ok) throw std::runtime_error(ok.error().message);
    log::set_level(config->log_level);
    return *config;
}

} // namespace tafel::app
