#include "ingest/media_thread.hpp"

#include "core/log.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <atomic>
#include <future>
#include <optional>

namespace tafel::ingest {

namespace net = boost::asio;

RecvArena::RecvArena() : bytes(k_batch * k_slot) {
    for (std::size_t i = 0; i < k_batch; ++i) {
        iov[i].iov_base = bytes.data() + i * k_slot;
        messages[i].msg_hdr.msg_iov = &iov[i];
        messages[i].msg_hdr.msg_iovlen = 1;
        messages[i].msg_hdr.msg_name = &addresses[i];
    }
    reset(k_batch);
}

void RecvArena::reset(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        iov[i].iov_len = k_slot;
        messages[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
        messages[i].msg_hdr.msg_flags = 0;
        messages[i].msg_len = 0;
    }
}

void run_in_cycles(net::io_context& io, std::chrono::microseconds cycle) {
    while (io.run_one() > 0) {
        const auto woke = std::chrono::steady_clock::now();
        io.poll();
        if (io.stopped()) return;
        std::this_thread::sleep_until(woke + cycle);
    }
}

struct MediaThread::Impl {
    Impl(std::size_t i, DiskWriter& d, std::chrono::milliseconds interval, net::io_context* shared)
        : index(i), disk(d), sync_interval(interval), own(shared ? nullptr : std::make_unique<net::io_context>(1)),
          io(shared ? *shared : *own), timer(io) {}

    std::size_t index;
    DiskWriter& disk;
    std::chrono::milliseconds sync_interval;
    std::unique_ptr<net::io_context> own;
    net::io_context& io;
    net::steady_timer timer;
    std::optional<net::executor_work_guard<net::io_context::executor_type>> guard;
    std::thread thread;
    std::atomic<bool> running{false};
    bool stopping = false;
    std::vector<FlushTarget*> targets;
    WriteBatch pending;   // handed over but not yet taken by the writer (its ring was full)
    log::RateLimit behind_limit;
};

MediaThread::MediaThread(std::size_t index, DiskWriter& disk, std::chrono::milliseconds sync_interval,
                         net::io_context* shared)
    : impl_(std::make_unique<Impl>(index, disk, sync_interval, shared)), arena_(std::make_unique<RecvArena>()) {}

MediaThread::~MediaThread() { stop(); }

net::io_context& MediaThread::io() { return impl_->io; }

void MediaThread::start() {
    if (impl_->running) return;
    impl_->stopping = false;
    impl_->timer.expires_at(std::chrono::steady_clock::now());
    schedule_tick();
    impl_->running = true;
    if (impl_->own) {
        impl_->guard.emplace(impl_->own->get_executor());
        impl_->thread = std::thread([this] {
            for (;;) {
                try {
                    run_in_cycles(*impl_->own);
                    return;
                } catch (const std::exception& e) {
                    // A bug escaped a handler: log it and keep serving the other sockets.
                    log::get("ingest")->error("media thread {}: {}", impl_->index, e.what());
                }
            }
        });
    }
}

void MediaThread::stop() {
    if (!impl_->running) return;
    run([this] {
        impl_->stopping = true;
        impl_->timer.cancel();
        tick();   // the last records go to the writer
    });
    impl_->running = false;
    if (impl_->own) {
        impl_->guard.reset();
        impl_->own->stop();
        if (impl_->thread.joinable()) impl_->thread.join();
    }
}

void MediaThread::run(const std::function<void()>& f) {
    if (!impl_->running || impl_->io.get_executor().running_in_this_thread()) {
        f();
        return;
    }
    std::promise<void> done;
    auto finished = done.get_future();
    net::post(impl_->io, [&] {
        try {
            f();
            done.set_value();
        } catch (...) {
            done.set_exception(std::current_exception());
        }
    });
    finished.get();
}

void MediaThread::add(FlushTarget* target) { impl_->targets.push_back(target); }

void MediaThread::remove(FlushTarget* target) { std::erase(impl_->targets, target); }

void MediaThread::submit_now(WriteBatch& batch) {
    if (!impl_->disk.running()) {
        impl_->disk.process(batch);
        return;
    }
    // Order matters: records handed over earlier go first.
    if (!impl_->pending.empty()) {
        impl_->pending.insert(impl_->pending.end(), std::make_move_iterator(batch.begin()),
                              std::make_move_iterator(batch.end()));
        batch.clear();
        batch.swap(impl_->pending);
    }
    while (!impl_->disk.submit(impl_->index, batch)) std::this_thread::yield();
}

void MediaThread::schedule_tick() {
    // Fixed rate, not fixed delay: a packet is handed to the writer at most one interval
    // after it arrived even when a tick itself takes time.
    const auto now = std::chrono::steady_clock::now();
    const auto next = impl_->timer.expiry() + impl_->sync_interval;
    impl_->timer.expires_at(next > now ? next : now + impl_->sync_interval);
    impl_->timer.async_wait([this](const boost::system::error_code& ec) {
        if (ec || impl_->stopping) return;
        tick();
        schedule_tick();
    });
}

void MediaThread::tick() {
    for (FlushTarget* t : impl_->targets) t->hand_over(impl_->pending);
    if (impl_->pending.empty()) return;
    if (!impl_->disk.running()) {
        impl_->disk.process(impl_->pending);
        return;
    }
    if (!impl_->disk.submit(impl_->index, impl_->pending)) {
        // Kept and handed over with the next tick's records: nothing is dropped, the writer
        // catches up with a larger round.
        std::uint64_t suppressed = 0;
        if (impl_->behind_limit.allow(suppressed)) {
            log::get("ingest")->warn("media thread {}: the disk writer is behind ({} chunks waiting, {} more "
                                     "suppressed)",
                                     impl_->index, impl_->pending.size(), suppressed);
        }
    }
}

} // namespace tafel::ingest
