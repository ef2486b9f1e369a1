#pragma once
// The Redis pub/sub link bbb-webrtc-sfu talks to: one connection SUBSCRIBEd to the inbound
// channel, one that PUBLISHes replies (a subscribed RESP2 connection may send nothing but
// (P)(UN)SUBSCRIBE/PING, so two are needed). Boost.Asio on one thread of its own.
#include "core/error.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace tafel::bbb {

struct RedisOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 6379;
    std::string password; // AUTH when not empty
    std::string subscribe_channel = "to-bbb-webrtc-recorder";
    std::string publish_channel = "from-bbb-webrtc-recorder";
};

class RedisBus {
public:
    // Called on the bus thread with each payload that arrives on the subscribed channel.
    using MessageSink = std::function<void(std::string payload)>;
    // Called once on the bus thread when either connection is lost (the service then stops:
    // systemd restarts it and the SFU sees a new instanceId, which is its crash signal).
    using LostSink = std::function<void(const Error&)>;

    // Connects both links and waits for Redis to confirm the SUBSCRIBE, so that nothing
    // published after create() returns can be missed.
    static Result<std::unique_ptr<RedisBus>> create(const RedisOptions& options, MessageSink on_message,
                                                    LostSink on_lost);
    ~RedisBus();
    RedisBus(const RedisBus&) = delete;
    RedisBus& operator=(const RedisBus&) = delete;

    // Thread-safe; PUBLISHes `payload` on the publish channel, in call order.
    void publish(std::string payload);

    // Runs `task` on the bus thread (the thread message sinks run on).
    void post(std::function<void()> task);

    // Number of PUBLISH replies Redis has acknowledged (for tests and shutdown draining).
    std::uint64_t published() const;

    // Waits up to `timeout_ms` for every queued PUBLISH to be acknowledged.
    bool drain(int timeout_ms);

    struct Impl;

private:
    explicit RedisBus(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace tafel::bbb
