#pragma once
// Starting and stopping the three services of a tafel process — recorder, worker, player —
// from one Config. Only wiring: every piece of logic lives in its module.
#include "core/config.hpp"

#include <memory>
#include <string>

namespace tafel::app {

struct ServiceSet {
    bool recorder = false;
    bool worker = false;
    bool player = false;
};

class Services {
public:
    // Opens the catalog, creates the data folder, and starts what `which` asks for. Throws
    // std::runtime_error naming what failed (a startup error).
    static std::unique_ptr<Services> start(const Config& config, ServiceSet which);
    ~Services();

    // Graceful: the recorder finalises open sessions, workers finish their job, the player
    // closes its connections.
    void stop();

    std::string playback_url(const std::string& recording_id) const;
    std::string control_url() const;
    std::uint16_t player_port() const;

    // Blocks until the recording is published or failed; true when published.
    bool wait_until_processed(const std::string& recording_id) const;

    struct Impl;

private:
    explicit Services(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Blocks SIGINT and SIGTERM in every thread started after it; call first in main.
void block_stop_signals();
// Waits for SIGINT or SIGTERM (blocked beforehand); returns the signal's name.
std::string wait_for_stop_signal();

} // namespace tafel::app
