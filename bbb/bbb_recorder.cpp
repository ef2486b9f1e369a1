#include "bbb/bbb_recorder.hpp"

#include "bbb/session_recovery.hpp"

#include <future>

namespace tafel::bbb {

Result<std::unique_ptr<BbbRecorder>> BbbRecorder::start(const BbbOptions& options) {
    auto engine = WebrtcEngine::create(options.webrtc);
    if (!engine) return std::unexpected(engine.error());
    std::unique_ptr<BbbRecorder> recorder(new BbbRecorder());
    recorder->engine_ = std::move(*engine);
    BbbRecorder* self = recorder.get();
    // The service is created before the bus connects and only used on the bus thread; the
    // sinks below reach the bus through `self` once it exists.
    recorder->service_ = std::make_unique<RecorderService>(
        options.service, *recorder->engine_, [self](std::string payload) { self->bus_->publish(std::move(payload)); },
        [self](std::function<void()> task) { self->bus_->post(std::move(task)); });
    auto bus = RedisBus::create(
        options.redis, [self](std::string payload) { self->service_->on_message(payload); },
        [lost = recorder->lost_](const Error&) { lost->store(true); });
    if (!bus) return std::unexpected(bus.error());
    recorder->bus_ = std::move(*bus);
    recorder->bus_->post([self] { self->service_->announce(); });
    recorder->recovery_ = std::thread([dir = options.service.recordings_dir] { recover_recordings(dir); });
    return recorder;
}

void BbbRecorder::stop() {
    if (stopped_ || !bus_) return;
    stopped_ = true;
    std::promise<void> done;
    bus_->post([this, &done] {
        service_->shutdown();
        done.set_value();
    });
    done.get_future().wait_for(std::chrono::seconds(30));
    bus_->drain(5000);
}

BbbRecorder::~BbbRecorder() {
    stop();
    if (recovery_.joinable()) recovery_.join();
    bus_.reset(); // the bus thread is joined before the service it calls goes away
    service_.reset();
}

std::string BbbRecorder::instance_id() const { return service_->instance_id(); }
bool BbbRecorder::lost() const { return lost_->load(); }

} // namespace tafel::bbb
