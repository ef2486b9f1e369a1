#pragma once
// A real redis-server on a free loopback port, and the SFU's side of the Redis protocol
// written by hand (RESP bytes composed here, not by tafel's codec); and what every test of
// tests/bbb needs around them (a scratch folder, the recorder's options, JSON replies).
#include "bbb/bbb_recorder.hpp"

#include <nlohmann/json.hpp>
#include <sys/types.h>

#include <filesystem>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace tafel::bbb::test {

class RedisServer {
public:
    RedisServer();  // starts it and waits (bounded) until it answers PING; REQUIREs success
    ~RedisServer();
    std::uint16_t port() const { return port_; }

private:
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
};

// One TCP connection with blocking reads bounded by a deadline.
class Connection {
public:
    explicit Connection(std::uint16_t port);
    ~Connection();
    void write(const std::string& bytes);
    // Reads one CRLF-terminated line (without CRLF); nullopt on timeout.
    std::optional<std::string> line(std::chrono::milliseconds timeout);
    std::optional<std::string> exact(std::size_t n, std::chrono::milliseconds timeout);

private:
    bool fill(std::chrono::steady_clock::time_point deadline);
    int fd_ = -1;
    std::string buffer_;
};

// bbb-webrtc-sfu as the recorder sees it: PUBLISHes to `to-bbb-webrtc-recorder`, listens on
// `from-bbb-webrtc-recorder`.
class FakeSfuLink {
public:
    explicit FakeSfuLink(std::uint16_t port, std::string to = "to-bbb-webrtc-recorder",
                         std::string from = "from-bbb-webrtc-recorder");
    // PUBLISH `json` as is; returns the number of subscribers Redis delivered it to.
    long long send(const std::string& json);
    // The next payload on the reply channel, or nullopt after `timeout`.
    std::optional<std::string> next(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // Skips messages until one with "id" == `id` (others are returned in `skipped`).
    std::optional<std::string> next_with_id(const std::string& id,
                                            std::chrono::milliseconds timeout = std::chrono::seconds(15));

private:
    Connection sub_;
    Connection pub_;
    std::string to_;
};

// A scratch folder under the system temp dir, removed with everything in it.
struct TempDir {
    std::filesystem::path path;
    TempDir();
    ~TempDir();
};

// The recorder as the tests start it: Redis on `port`, files under `dir`.
BbbOptions options_for(std::uint16_t port, const std::filesystem::path& dir);

// What most tests start: Redis, the SFU's side of it, and the recorder (options_for, then
// `adjust`), past its start-up recorderStatus. Tests take it apart with
// `auto& [redis, dir, sfu, recorder] = setup;`.
struct RecorderSetup {
    RedisServer redis;
    TempDir dir;
    FakeSfuLink sfu{redis.port()};
    std::unique_ptr<BbbRecorder> recorder;

    explicit RecorderSetup(const std::function<void(BbbOptions&)>& adjust = {});
};

// A reply payload as JSON; REQUIREs that there was one and that it parses.
nlohmann::json parse(const std::optional<std::string>& text);

} // namespace tafel::bbb::test
