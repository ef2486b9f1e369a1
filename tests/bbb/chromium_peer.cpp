#include "chromium_peer.hpp"

#include "../e2e/child_process.hpp"

#include <catch2/catch.hpp>
#include <signal.h>

#include <chrono>
#include <string>

namespace tafel::bbb::test {

namespace {

// Starting Chromium under a loaded machine takes seconds; an ASan build of the recorder
// beside it does not make it faster.
constexpr auto start_timeout = std::chrono::seconds(90);
constexpr auto call_timeout = std::chrono::seconds(30);

const std::string node_work = TAFEL_BINARY_DIR "/tests/browser";

// The start of the script's reply line to `command` (JSON.stringify keeps the key order).
std::string reply_to(const std::string& command) { return R"({"reply":")" + command + "\""; }

} // namespace

ChromiumPeer::ChromiumPeer() {
    // The one install the player's browser test uses too (serialised there by flock).
    const auto install = tafel::test::run_command({"sh", TAFEL_SOURCE_DIR "/tests/browser/node_modules.sh", node_work});
    INFO(install.out);
    REQUIRE(install.status == 0);
    node_ = std::make_unique<tafel::test::ChildProcess>(
        std::vector<std::string>{"env", "NODE_PATH=" + node_work + "/node_modules", "node",
                                 TAFEL_SOURCE_DIR "/tests/bbb/chromium_offerer.cjs"},
        std::string{}, true);
}

ChromiumPeer::~ChromiumPeer() {
    // EOF on its stdin: the script closes Chromium and removes the profile (bounded).
    node_->close_stdin();
    if (node_->wait(std::chrono::seconds(20)) < 0) node_->stop(SIGKILL, std::chrono::seconds(5));
}

std::optional<std::string> ChromiumPeer::offer() {
    if (offer_) return offer_;
    const auto line = node_->wait_for_line(R"({"offer":)", start_timeout);
    if (!line) return std::nullopt;
    offer_ = nlohmann::json::parse(*line).at("offer").get<std::string>();
    return offer_;
}

nlohmann::json ChromiumPeer::call(const std::string& name, nlohmann::json extra) {
    extra["cmd"] = name;
    REQUIRE(node_->write_stdin(extra.dump() + "\n"));
    const auto line = node_->wait_for_line(reply_to(name), call_timeout);
    REQUIRE(line);
    const auto reply = nlohmann::json::parse(*line);
    INFO(reply.dump());
    REQUIRE(reply.value("ok", false));
    return reply["result"];
}

bool ChromiumPeer::apply_answer(const std::string& sdp) {
    REQUIRE(node_->write_stdin(nlohmann::json{{"cmd", "answer"}, {"sdp", sdp}}.dump() + "\n"));
    const auto line = node_->wait_for_line(reply_to("answer"), call_timeout);
    if (!line) return false;
    const auto reply = nlohmann::json::parse(*line);
    UNSCOPED_INFO("Chromium on the answer: " << reply.dump());
    return reply.value("ok", false);
}

void ChromiumPeer::stop_sending() { call("stop-sending"); }
void ChromiumPeer::resume_sending() { call("resume-sending"); }
void ChromiumPeer::close() { call("close"); }
nlohmann::json ChromiumPeer::packets_sent() { return call("packets-sent"); }

} // namespace tafel::bbb::test
