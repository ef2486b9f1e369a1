#pragma once
// One of the recorder's few media threads (issue 3, "a small fixed set of threads each owning
// its sockets"): an io_context whose thread runs the receive handlers of the UDP sockets it
// owns, the buffer they receive into with recvmmsg(2), and a fixed-rate tick that hands every
// socket's encoded records to the disk writer as one batch. Thread 0 shares the control API's
// io_context; the others run their own. Other threads reach a socket only through run().
#include "ingest/disk_writer.hpp"

#include <sys/socket.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace tafel::ingest {

// What the tick asks of each socket: move its encoded records into the batch.
class FlushTarget {
public:
    virtual ~FlushTarget() = default;
    virtual void hand_over(WriteBatch& batch) = 0;
};

// recvmmsg(2) buffers, shared by the sockets of one thread (their handlers never overlap).
struct RecvArena {
    static constexpr std::size_t k_batch = 64;        // datagrams per system call
    static constexpr std::size_t k_slot = 65536;      // any UDP datagram fits
    RecvArena();
    std::vector<std::uint8_t> bytes;
    std::array<mmsghdr, k_batch> messages{};
    std::array<iovec, k_batch> iov{};
    std::array<sockaddr_storage, k_batch> addresses{};
    void reset(std::size_t n);                         // before each call: lengths back to full
};

// How often at most a media thread wakes up to receive (see run_in_cycles).
inline constexpr std::chrono::microseconds k_receive_cycle{5000};

// Runs `io` until it is stopped or out of work, waking at most once per `cycle`: after a
// wake-up every ready handler runs (io.poll()), then the thread sleeps out the rest of the
// cycle while datagrams gather in the sockets' kernel buffers, so that the next wake-up
// drains many sockets, several datagrams per recvmmsg, at once instead of waking once per
// datagram. A quiet recorder (50 to 90 datagrams/s per stream) thus pays at most 1/cycle
// wake-ups per second instead of one per datagram. A datagram waits at most one cycle more
// before it is read and stamped (its arrival time is then up to a cycle late: jitter the
// renderer's jitter buffer absorbs); durability is the sync interval's (250 ms), of which a
// cycle is 2 %. Handlers posted from other threads (MediaThread::run, control requests on
// thread 0) also wait up to one cycle. Every media thread, the first one included, runs so.
void run_in_cycles(boost::asio::io_context& io, std::chrono::microseconds cycle = k_receive_cycle);

class MediaThread {
public:
    // `shared`: run on that io_context (driven by its owner's thread) instead of an own one.
    MediaThread(std::size_t index, DiskWriter& disk, std::chrono::milliseconds sync_interval,
                boost::asio::io_context* shared = nullptr);
    ~MediaThread();   // stop()
    MediaThread(const MediaThread&) = delete;
    MediaThread& operator=(const MediaThread&) = delete;

    boost::asio::io_context& io();
    RecvArena& arena() { return *arena_; }

    void start();     // arms the tick, starts the own thread
    // Hands over what is buffered, stops the tick and joins the own thread. Sockets still
    // registered stay open (their owners close them).
    void stop();

    // Runs `f` on this thread and waits for it (directly when called on it, or when the
    // thread does not run).
    void run(const std::function<void()>& f);

    // On this thread only.
    void add(FlushTarget* target);
    void remove(FlushTarget* target);
    // Submits `batch` now (a close), waiting for room in the ring if the writer is behind.
    void submit_now(WriteBatch& batch);

private:
    void schedule_tick();
    void tick();

    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::unique_ptr<RecvArena> arena_;
};

} // namespace tafel::ingest
