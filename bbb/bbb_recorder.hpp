#pragma once
// The whole drop-in service: Redis bus + WebRTC engine + protocol, wired once, so that
// `tafel record --bbb` and the tests start exactly the same thing.
#include "bbb/recorder_service.hpp"
#include "bbb/redis_bus.hpp"
#include "bbb/webrtc_engine.hpp"

#include <atomic>
#include <memory>
#include <thread>

namespace tafel::bbb {

struct BbbOptions {
    RedisOptions redis;
    ServiceOptions service;
    WebrtcOptions webrtc;
};

class BbbRecorder {
public:
    // Connects to Redis, subscribes, then publishes the start-up recorderStatus. The files of
    // sessions a previous process left behind are recovered meanwhile on a thread of their
    // own (bbb/session_recovery.hpp), so the SFU learns of the restart at once.
    static Result<std::unique_ptr<BbbRecorder>> start(const BbbOptions& options);
    ~BbbRecorder();

    // Stops every recording (reason application_shutdown), publishes their recordingStopped
    // and waits (bounded) for Redis to take them.
    void stop();

    std::string instance_id() const;
    // Set once when the Redis link is lost; the process should then exit (systemd restarts).
    bool lost() const;

private:
    BbbRecorder() = default;
    std::unique_ptr<WebrtcEngine> engine_;
    std::unique_ptr<RecorderService> service_;
    std::unique_ptr<RedisBus> bus_;
    std::shared_ptr<std::atomic<bool>> lost_ = std::make_shared<std::atomic<bool>>(false);
    bool stopped_ = false;
    std::thread recovery_;
};

} // namespace tafel::bbb
