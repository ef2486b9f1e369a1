#pragma once
// The retention sweep on a timer (issue 9): `tafel up` and `tafel serve` run one at start
// and then every `interval` on a thread of their own with their own catalog connection.
#include "core/error.hpp"
#include "storage/layout.hpp"
#include "storage/retention.hpp"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace tafel::storage {

class RetentionTimer {
public:
    // Opens the catalog (a wrong URL is a start-up error) and starts the thread.
    static Result<std::unique_ptr<RetentionTimer>> start(const std::string& database_url, Layout layout,
                                                         RetentionPolicy policy, std::chrono::milliseconds interval);
    ~RetentionTimer();
    RetentionTimer(const RetentionTimer&) = delete;
    RetentionTimer& operator=(const RetentionTimer&) = delete;

    // Sweeps now instead of at the next interval (a lesson was just published: its raw
    // capture may go).
    void wake();
    void stop();
    // Passes completed so far (tests wait on it).
    std::uint64_t passes() const;

private:
    RetentionTimer(std::unique_ptr<Catalog> catalog, Layout layout, RetentionPolicy policy,
                   std::chrono::milliseconds interval);
    void loop();

    std::unique_ptr<Catalog> catalog_;
    Layout layout_;
    RetentionPolicy policy_;
    std::chrono::milliseconds interval_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    bool woken_ = false;
    std::uint64_t passes_ = 0;
    std::thread thread_;
};

} // namespace tafel::storage
