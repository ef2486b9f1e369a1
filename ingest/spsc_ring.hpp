#pragma once
// A bounded single-producer single-consumer ring: the hand-over of write batches from one
// media thread to the disk writer without a lock (Lamport's queue with acquire/release
// indices). push() and pop() never block; the caller decides what to do when full or empty.
#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <utility>

namespace tafel::ingest {

template <class T>
class SpscRing {
public:
    explicit SpscRing(std::size_t capacity) : capacity_(capacity + 1), slots_(std::make_unique<std::optional<T>[]>(capacity_)) {}

    // Producer thread only. False (and `value` untouched) when the ring is full.
    bool push(T& value) {
        const std::size_t tail = tail_.load(std::memory_order_relaxed);
        const std::size_t next = (tail + 1) % capacity_;
        if (next == head_.load(std::memory_order_acquire)) return false;
        slots_[tail].emplace(std::move(value));
        tail_.store(next, std::memory_order_release);
        return true;
    }

    // Consumer thread only.
    std::optional<T> pop() {
        const std::size_t head = head_.load(std::memory_order_relaxed);
        if (head == tail_.load(std::memory_order_acquire)) return std::nullopt;
        std::optional<T> out = std::move(slots_[head]);
        slots_[head].reset();
        head_.store((head + 1) % capacity_, std::memory_order_release);
        return out;
    }

private:
    const std::size_t capacity_;
    std::unique_ptr<std::optional<T>[]> slots_;
    alignas(64) std::atomic<std::size_t> head_{0};   // next slot to pop (consumer)
    alignas(64) std::atomic<std::size_t> tail_{0};   // next slot to fill (producer)
};

} // namespace tafel::ingest
