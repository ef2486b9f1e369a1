#pragma once
// The live path as the end-to-end tests drive it: the real `tafel up` (recorder + worker +
// player) on a fresh data folder, `tafel simulate` playing a lesson into it over loopback, and
// the player's JSON API polled until the lesson is published.
#include "child_process.hpp"

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace tafel::test {

// The port of a "… at http://host:PORT/" line that `tafel up` / `serve` print (the last
// ":digits" on the line); 0 when there is none.
int port_of(const std::string& line);

// Polls GET /api/v1/recordings/<id> until the state is "published" or "failed" (bounded by
// `timeout`); the last state seen.
std::string wait_for_state(int player_port, const std::string& id, std::chrono::seconds timeout);

// `tafel up` on `data` (emptied first) with the player and control API on free ports and RTP
// on [rtp_port_min, rtp_port_max]; its stderr goes to data/tafel-up.log. The constructor
// returns once both are listening (a failed REQUIRE otherwise); the destructor kills it.
class TafelUp {
public:
    TafelUp(const std::filesystem::path& data, int rtp_port_min, int rtp_port_max);

    std::filesystem::path data;
    ChildProcess process;
    int player_port = 0;
    int control_port = 0;
};

// The real `tafel serve` on the data folder `data` with the player on a free port and
// `extra_args` (e.g. --config FILE), its stderr in data/serve.log. The constructor returns once
// it listens (a failed REQUIRE otherwise); the destructor kills it.
class TafelServe {
public:
    explicit TafelServe(const std::filesystem::path& data, const std::vector<std::string>& extra_args = {});

    ChildProcess process;
    std::string base; // "http://127.0.0.1:<port>"
};

// Runs `tafel simulate` against `up` with `options` (--duration …) to its end (its stderr in
// data/simulate.log, its work folder data/simulator); the id of the recording it made.
std::string simulate_lesson(const TafelUp& up, const std::vector<std::string>& options,
                            std::chrono::seconds recorded_within);

} // namespace tafel::test
