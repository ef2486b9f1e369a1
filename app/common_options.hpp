#pragma once
// The flags every long-running subcommand shares, and turning them into one validated
// Config (defaults → --config file → TAFEL_* environment → flags).
#include "core/config.hpp"

#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace tafel::app {

struct CommonOptions {
    std::optional<std::string> config_file;
    std::vector<std::pair<std::string, std::string>> flags; // (config key, value) as given

    // Adds --config, --data-dir, --listen, --player-port, --control-port, --database,
    // --secret, --workers, --public-url, --log-level to `cmd`.
    void add_to(CLI::App& cmd);

    // Builds the Config; throws std::runtime_error with the field's name on a bad value
    // (caught in main: startup errors are exceptions, STYLE.md "Errors").
    Config load() const;
};

} // namespace tafel::app
