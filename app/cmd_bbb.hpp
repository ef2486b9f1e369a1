#pragma once
// `tafel record --bbb`: the drop-in for BigBlueButton's bbb-webrtc-recorder (docs/bbb.md).
#include <memory>

namespace CLI {
class App;
}

namespace tafel::app {

struct BbbCliOptions;

// Adds --bbb and its options to `record`; the returned options are filled when parsing.
std::shared_ptr<BbbCliOptions> add_bbb_options(CLI::App& record);
bool bbb_requested(const BbbCliOptions& options);
// Runs the drop-in until SIGINT/SIGTERM or the Redis link is lost; returns the exit code.
int run_bbb_recorder(const BbbCliOptions& options);

} // namespace tafel::app
