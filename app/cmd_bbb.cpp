// `tafel record --bbb`: wires tafel::bbb's recorder to the command line and to the process's
// signals; everything a test would want lives in bbb/.
#include "app/cmd_bbb.hpp"

#include "bbb/bbb_recorder.hpp"
#include "core/log.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <signal.h>

#include <chrono>
#include <ctime>
#include <string>
#include <vector>

namespace tafel::app {

struct BbbCliOptions {
    bool enabled = false;
    std::string dir = "/var/lib/bbb-webrtc-recorder";
    std::string redis_host = "127.0.0.1";
    int redis_port = 6379;
    std::string redis_password;
    std::string to_channel = "to-bbb-webrtc-recorder";
    std::string from_channel = "from-bbb-webrtc-recorder";
    int keyframe_interval_ms = 3000;
    int not_flowing_after_ms = 5000;
    std::vector<std::string> ice_addresses;
};

std::shared_ptr<BbbCliOptions> add_bbb_options(CLI::App& record) {
    auto o = std::make_shared<BbbCliOptions>();
    record.add_flag("--bbb", o->enabled,
                    "Be BigBlueButton's bbb-webrtc-recorder: take recordings from bbb-webrtc-sfu over Redis and "
                    "WebRTC (docs/bbb.md)");
    record.add_option("--bbb-dir", o->dir, "Where fileName is relative to")->envname("TAFEL_BBB_DIR")->capture_default_str();
    record.add_option("--redis-host", o->redis_host, "Redis host")->envname("TAFEL_BBB_REDIS_HOST")->capture_default_str();
    record.add_option("--redis-port", o->redis_port, "Redis port")
        ->envname("TAFEL_BBB_REDIS_PORT")
        ->check(CLI::Range(1, 65535))
        ->capture_default_str();
    // From the environment only (a flag would show it in `ps`).
    if (const char* password = std::getenv("TAFEL_BBB_REDIS_PASSWORD")) o->redis_password = password;
    record.add_option("--bbb-to-channel", o->to_channel, "Channel the SFU publishes to")
        ->envname("TAFEL_BBB_TO_CHANNEL")
        ->capture_default_str();
    record.add_option("--bbb-from-channel", o->from_channel, "Channel the recorder publishes to")
        ->envname("TAFEL_BBB_FROM_CHANNEL")
        ->capture_default_str();
    record.add_option("--bbb-keyframe-interval-ms", o->keyframe_interval_ms, "PLI cadence")
        ->check(CLI::Range(1000, 60000))
        ->capture_default_str();
    record
        .add_option("--bbb-not-flowing-ms", o->not_flowing_after_ms,
                    "recordingRtpStatusChanged not_flowing after this long without RTP")
        ->check(CLI::Range(1000, 600000))
        ->capture_default_str();
    record
        .add_option("--bbb-ice-address", o->ice_addresses,
                    "Local address ICE offers host candidates on (repeatable; default: every address but loopback)")
        ->envname("TAFEL_BBB_ICE_ADDRESSES")
        ->delimiter(',');
    return o;
}

bool bbb_requested(const BbbCliOptions& options) { return options.enabled; }

int run_bbb_recorder(const BbbCliOptions& o) {
    bbb::BbbOptions options;
    options.redis.host = o.redis_host;
    options.redis.port = static_cast<std::uint16_t>(o.redis_port);
    options.redis.password = o.redis_password;
    options.redis.subscribe_channel = o.to_channel;
    options.redis.publish_channel = o.from_channel;
    options.service.recordings_dir = o.dir;
    options.service.app_version = fmt::format("tafel {}", TAFEL_VERSION);
    options.webrtc.keyframe_interval_ms = o.keyframe_interval_ms;
    options.webrtc.not_flowing_after_ms = o.not_flowing_after_ms;
    options.webrtc.ice_addresses = o.ice_addresses;
    // Signals are taken with sigtimedwait below, so they must be blocked in every thread,
    // which inherit the mask from here.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    auto recorder = bbb::BbbRecorder::start(options);
    if (!recorder) {
        fmt::print(stderr, "tafel: {}\n", recorder.error().message);
        return 1;
    }
    fmt::print("tafel: bbb-webrtc-recorder drop-in, instance {}, Redis {}:{}, files under {}\n",
               (*recorder)->instance_id(), o.redis_host, o.redis_port, o.dir);
    std::fflush(stdout);
    // Waits for a signal, looking every second whether Redis went away: then the process
    // exits non-zero and systemd restarts it (the SFU sees the new instanceId).
    const timespec tick{1, 0};
    for (;;) {
        const int signal = sigtimedwait(&set, nullptr, &tick);
        if (signal == SIGINT || signal == SIGTERM) {
            log::get("bbb")->info("{}: stopping (finishing open recordings)", signal == SIGINT ? "SIGINT" : "SIGTERM");
            (*recorder)->stop();
            return 0;
        }
        if ((*recorder)->lost()) {
            (*recorder)->stop();
            return 2;
        }
    }
}

} // namespace tafel::app
