#include "storage/retention_timer.hpp"

#include "core/log.hpp"

namespace tafel::storage {

Result<std::unique_ptr<RetentionTimer>> RetentionTimer::start(const std::string& database_url, Layout layout,
                                                              RetentionPolicy policy,
                                                              std::chrono::milliseconds interval) {
    auto catalog = Catalog::open(database_url);
    if (!catalog) return std::unexpected(catalog.error());
    return std::unique_ptr<RetentionTimer>(
        new RetentionTimer(std::move(*catalog), std::move(layout), std::move(policy), interval));
}

RetentionTimer::RetentionTimer(std::unique_ptr<Catalog> catalog, Layout layout, RetentionPolicy policy,
                               std::chrono::milliseconds interval)
    : catalog_(std::move(catalog)), layout_(std::move(layout)), policy_(std::move(policy)), interval_(interval) {
    thread_ = std::thread([this] { loop(); });
}

RetentionTimer::~RetentionTimer() { stop(); }

void RetentionTimer::wake() {
    {
        std::lock_guard lock(mutex_);
        woken_ = true;
    }
    wake_.notify_all();
}

void RetentionTimer::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

std::uint64_t RetentionTimer::passes() const {
    std::lock_guard lock(mutex_);
    return passes_;
}

void RetentionTimer::loop() {
    auto log = log::get("retention");
    for (;;) {
        // The catalog's clock: on PostgreSQL the database server's, the same for every host.
        auto now = catalog_->now_utc_us();
        auto report = now ? sweep(*catalog_, layout_, policy_, *now) : Result<SweepReport>(std::unexpected(now.error()));
        if (!report) log->warn("retention sweep: {}", report.error().describe());
        std::unique_lock lock(mutex_);
        ++passes_;
        wake_.wait_for(lock, interval_, [&] { return stopping_ || woken_; });
        if (stopping_) return;
        woken_ = false;
    }
}

} // namespace tafel::storage
