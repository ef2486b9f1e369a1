#pragma once
// bbb-webrtc-recorder's side of the Redis protocol: turns each inbound message into media
// sessions and replies (docs/bbb.md lists the messages). Runs on one thread (the bus's):
// every method and every callback it re-posts run there, so the session map needs no lock.
#include "bbb/media_engine.hpp"
#include "bbb/messages.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace tafel::bbb {

struct ServiceOptions {
    std::filesystem::path recordings_dir = "/var/lib/bbb-webrtc-recorder";
    std::string app_version;
};

class RecorderService {
public:
    using Publish = std::function<void(std::string payload)>;
    using Post = std::function<void(std::function<void()>)>; // runs a task on the service thread

    RecorderService(ServiceOptions options, MediaEngine& engine, Publish publish, Post post);
    ~RecorderService();

    // One payload from the subscribed channel; malformed ones are logged and dropped.
    void on_message(const std::string& payload);
    // The recorderStatus published once at start-up (the SFU's crash detector keys on it).
    void announce();
    // Stops every session with reason application_shutdown (signal → drain → finalise).
    void shutdown();

    const std::string& instance_id() const { return instance_id_; }
    std::size_t active() const { return sessions_.size(); }

private:
    struct Session;
    void start(const StartRecording& m);
    void stop(const std::string& session_id, const char* reason);
    void reply_failed(const StartRecording& m, const std::string& file_name, const std::string& error);

    ServiceOptions options_;
    MediaEngine& engine_;
    Publish publish_;
    Post post_;
    std::string instance_id_;
    std::map<std::string, std::unique_ptr<Session>> sessions_;
    std::shared_ptr<bool> alive_; // callbacks posted after destruction see false
    std::uint64_t next_generation_ = 1;
};

// A random (version 4) UUID, RFC 9562 section 5.4.
std::string random_uuid();

} // namespace tafel::bbb
