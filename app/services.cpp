#include "app/services.hpp"

#include "core/log.hpp"
#include "ingest/recorder.hpp"
#include "player/server.hpp"
#include "storage/catalog.hpp"
#include "storage/layout.hpp"
#include "storage/retention_timer.hpp"
#include "transcode/job_runner.hpp"

#include <fmt/format.h>

#include <condition_variable>
#include <csignal>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <cstdio>
#include <unistd.h>

namespace tafel::app {

namespace {

template <typename T>
T value_or_throw(Result<T> r, const char* what) {
    if (!r) throw std::runtime_error(fmt::format("{}: {}", what, r.error().describe()));
    return std::move(*r);
}

void ok_or_throw(Result<void> r, const char* what) {
    if (!r) throw std::runtime_error(fmt::format("{}: {}", what, r.error().describe()));
}

// "<host>-<pid>": the lease holder's name in `tafel jobs`, so that an operator of several
// worker machines sees which one holds a job.
std::string worker_name() {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "worker");
    return fmt::format("{}-{}", host, ::getpid());
}

} // namespace

struct Services::Impl {
    Config config;
    storage::Layout layout{config.data_dir};
    // One catalog connection per service: each is used from its own thread.
    std::unique_ptr<storage::Catalog> recorder_catalog;
    std::unique_ptr<storage::Catalog> player_catalog;
    std::unique_ptr<storage::Catalog> watch_catalog;
    std::unique_ptr<transcode::JobRunner> runner;
    std::unique_ptr<ingest::Recorder> recorder;
    std::unique_ptr<player::Server> server;
    std::unique_ptr<storage::RetentionTimer> retention; // issue 9: `up` and `serve` sweep expired recordings

    mutable std::mutex mutex;
    mutable std::condition_variable finished;
    std::uint64_t finished_count = 0;

    explicit Impl(Config c) : config(std::move(c)) {}
};

Services::Services(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Services::~Services() { stop(); }

std::unique_ptr<Services> Services::start(const Config& config, ServiceSet which) {
    auto impl = std::make_unique<Impl>(config);
    auto log = log::get("tafel");
    ok_or_throw(impl->layout.ensure(), "data folder");
    const std::string url = config.effective_database_url();
    impl->watch_catalog = value_or_throw(storage::Catalog::open(url), "catalog");

    if (which.player) {
        auto policy = value_or_throw(
            storage::RetentionPolicy::parse(config.retention_default, config.retention_contexts, config.keep_raw),
            "retention");
        impl->retention = value_or_throw(storage::RetentionTimer::start(url, impl->layout, std::move(policy),
                                                                        std::chrono::seconds(config.gc_interval_s)),
                                         "retention");
    }
    if (which.worker) {
        transcode::JobRunnerOptions options;
        options.database_url = url;
        options.concurrency = config.workers;
        options.render.output.threads = config.encoder_threads;
        options.worker_name = worker_name();
        options.nice = config.worker_nice;
        options.lease = std::chrono::seconds(config.job_lease_s);
        options.poll = std::chrono::milliseconds(config.job_poll_ms);
        options.window = value_or_throw(transcode::ProcessingWindow::parse(config.processing_window), "worker");
        impl->runner = value_or_throw(transcode::JobRunner::create(options, impl->layout), "worker");
        Impl* raw = impl.get();
        impl->runner->on_finished([raw](const std::string&, const Result<void>&) {
            {
                std::lock_guard lock(raw->mutex);
                ++raw->finished_count;
            }
            raw->finished.notify_all();
        });
        impl->runner->start();
    }
    if (which.recorder) {
        impl->recorder_catalog = value_or_throw(storage::Catalog::open(url), "catalog");
        ingest::RecorderOptions options;
        options.listen_address = config.listen_address;
        options.control_port = config.control_port;
        options.rtp_port_min = config.rtp_port_min;
        options.rtp_port_max = config.rtp_port_max;
        options.sync_interval = std::chrono::milliseconds(config.sync_interval_ms);
        options.io_threads = config.recorder_threads;
        options.disk_floor_bytes = static_cast<std::uint64_t>(config.disk_floor_mb) << 20;
        options.secret = config.secret;
        options.consent_policies = value_or_throw(config.consent_policies(), "config");
        transcode::JobRunner* runner = impl->runner.get();
        impl->recorder = value_or_throw(
            ingest::Recorder::create(options, *impl->recorder_catalog, impl->layout,
                                     [runner](const std::string&) {
                                         if (runner) runner->wake();
                                     }),
            "recorder");
        ok_or_throw(impl->recorder->start(), "recorder");
        log->info("recorder: control API on http://{}:{}", config.listen_address,
                  impl->recorder->control_port());
    }
    if (which.player) {
        impl->player_catalog = value_or_throw(storage::Catalog::open(url), "catalog");
        player::ServerOptions options;
        options.address = config.listen_address;
        options.port = config.player_port;
        options.secret = config.secret;
        impl->server =
            value_or_throw(player::Server::create(options, *impl->player_catalog, impl->layout), "player");
        ok_or_throw(impl->server->start(), "player");
        log->info("player: http://{}:{}/", config.listen_address, impl->server->port());
    }
    return std::unique_ptr<Services>(new Services(std::move(impl)));
}

void Services::stop() {
    if (!impl_) return;
    // Stop taking new work first, then drain: the recorder finalises and enqueues, the
    // workers finish what they hold, the player goes last.
    if (impl_->recorder) impl_->recorder->stop();
    if (impl_->runner) impl_->runner->stop();
    if (impl_->server) impl_->server->stop();
    impl_->recorder.reset();
    impl_->runner.reset();
    impl_->server.reset();
    impl_->retention.reset();
}

std::string Services::playback_url(const std::string& recording_id) const {
    Config c = impl_->config;
    if (impl_->server && c.public_url.empty()) c.player_port = impl_->server->port();
    return fmt::format("{}/r/{}", c.effective_public_url(), recording_id);
}

std::string Services::control_url() const {
    const std::uint16_t port = impl_->recorder ? impl_->recorder->control_port() : impl_->config.control_port;
    return fmt::format("http://{}:{}", impl_->config.listen_address, port);
}

std::uint16_t Services::player_port() const {
    return impl_->server ? impl_->server->port() : impl_->config.player_port;
}

bool Services::wait_until_processed(const std::string& recording_id) const {
    for (;;) {
        auto row = impl_->watch_catalog->recording(recording_id);
        if (row && *row) {
            if ((*row)->state == storage::RecordingState::published) return true;
            if ((*row)->state == storage::RecordingState::failed) return false;
        }
        // Woken by the local worker; the timeout covers workers in other processes.
        std::unique_lock lock(impl_->mutex);
        const auto seen = impl_->finished_count;
        impl_->finished.wait_for(lock, std::chrono::seconds(1),
                                 [&] { return impl_->finished_count != seen; });
    }
}

void block_stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

std::string wait_for_stop_signal() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int signal = 0;
    sigwait(&set, &signal);
    return signal == SIGINT ? "SIGINT" : "SIGTERM";
}

} // namespace tafel::app
