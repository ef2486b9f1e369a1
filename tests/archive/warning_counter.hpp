#pragma once
// Counts warnings (and worse) logged by a component while alive: "no warning" is asserted,
// not eyeballed.
#include "core/log.hpp"

#include <spdlog/sinks/base_sink.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace tafel::archive::test {

class WarningSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    std::vector<std::string> messages;

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        if (msg.level >= spdlog::level::warn) messages.emplace_back(msg.payload.data(), msg.payload.size());
    }
    void flush_() override {}
};

class WarningCounter {
public:
    explicit WarningCounter(const std::string& component) : logger_(log::get(component)) {
        sink_ = std::make_shared<WarningSink>();
        logger_->sinks().push_back(sink_);
    }
    ~WarningCounter() {
        auto& sinks = logger_->sinks();
        std::erase(sinks, sink_);
    }
    WarningCounter(const WarningCounter&) = delete;
    WarningCounter& operator=(const WarningCounter&) = delete;
    const std::vector<std::string>& messages() const { return sink_->messages; }

private:
    std::shared_ptr<spdlog::logger> logger_;
    std::shared_ptr<WarningSink> sink_;
};

} // namespace tafel::archive::test
