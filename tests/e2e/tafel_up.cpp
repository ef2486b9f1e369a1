#include "tafel_up.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <thread>

namespace tafel::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

fs::path emptied(const fs::path& dir) {
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

std::vector<std::string> serve_argv(const fs::path& data, const std::vector<std::string>& extra_args) {
    std::vector<std::string> argv{TAFEL_EXECUTABLE, "serve", "--data-dir", data.string(), "--player-port", "0"};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    return argv;
}

} // namespace

int port_of(const std::string& line) {
    std::smatch m;
    const std::regex re(R"(:(\d+))");
    int port = 0;
    for (auto it = line.cbegin(); std::regex_search(it, line.cend(), m, re); it = m.suffix().first)
        port = std::stoi(m[1]);
    return port;
}

std::string wait_for_state(int player_port, const std::string& id, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string state;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto r =
            run_command({"curl", "-s", fmt::format("http://127.0.0.1:{}/api/v1/recordings/{}", player_port, id)});
        const auto doc = nlohmann::json::parse(r.out, nullptr, false);
        if (!doc.is_discarded() && doc.is_object()) state = doc.value("state", "");
        if (state == "published" || state == "failed") return state;
        std::this_thread::sleep_for(250ms); // polling interval of a bounded wait, not a sync point
    }
    return state;
}

TafelUp::TafelUp(const fs::path& data_dir, int rtp_port_min, int rtp_port_max)
    : data(emptied(data_dir)),
      process({TAFEL_EXECUTABLE, "up", "--data-dir", data.string(), "--player-port", "0", "--control-port", "0",
               "--rtp-port-min", std::to_string(rtp_port_min), "--rtp-port-max", std::to_string(rtp_port_max)},
              (data / "tafel-up.log").string()) {
    const auto player_line = process.wait_for_line("recordings at", 60s);
    REQUIRE(player_line);
    const auto control_line = process.wait_for_line("recorder control API at", 10s);
    REQUIRE(control_line);
    player_port = port_of(*player_line);
    control_port = port_of(*control_line);
    REQUIRE(player_port > 0);
    REQUIRE(control_port > 0);
}

TafelServe::TafelServe(const fs::path& data, const std::vector<std::string>& extra_args)
    : process(serve_argv(data, extra_args), (data / "serve.log").string()) {
    const auto line = process.wait_for_line("recordings at", 60s);
    REQUIRE(line);
    const int port = port_of(*line);
    REQUIRE(port > 0);
    base = fmt::format("http://127.0.0.1:{}", port);
}

std::string simulate_lesson(const TafelUp& up, const std::vector<std::string>& options,
                            std::chrono::seconds recorded_within) {
    std::vector<std::string> argv{TAFEL_EXECUTABLE, "simulate", "--control-url",
                                  fmt::format("http://127.0.0.1:{}", up.control_port)};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.insert(argv.end(), {"--work-dir", (up.data / "simulator").string()});
    ChildProcess simulate(argv, (up.data / "simulate.log").string());
    const auto recorded = simulate.wait_for_line("recorded as", recorded_within);
    REQUIRE(recorded);
    REQUIRE(simulate.wait(30s) == 0);
    return recorded->substr(recorded->rfind(' ') + 1);
}

} // namespace tafel::test
