#pragma once
// A UDP receiver for the sender tests: binds 127.0.0.1 on a free port and classifies every
// datagram as RTP (by payload type) or RTCP (RFC 5761 section 4: second byte 192..223), on its
// own thread, so tests wait on conditions with a bounded timeout instead of sleeping.
#include "core/time.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

namespace tafel::samples::test {

struct UdpCounts {
    std::map<int, int> rtp_by_pt;    // payload type → packets
    std::set<std::uint32_t> rtp_ssrcs;
    int sender_reports = 0;          // RTCP PT 200
    int byes = 0;                    // RTCP PT 203
    std::int64_t first_sr_wall_us = 0; // the NTP time of the first SR as UTC µs
    std::int64_t first_sr_received_us = 0;
    std::uint16_t source_port_rtp = 0, source_port_rtcp = 0;
};

class UdpProbe {
public:
    UdpProbe() {
        fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
        if (fd_ < 0) throw std::runtime_error("udp probe: socket");
        int size = 4 << 20;
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("udp probe: bind");
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        thread_ = std::jthread([this](std::stop_token stop) { loop(stop); });
    }
    ~UdpProbe() {
        thread_.request_stop();
        thread_.join();
        ::close(fd_);
    }
    UdpProbe(const UdpProbe&) = delete;
    UdpProbe& operator=(const UdpProbe&) = delete;

    std::uint16_t port() const { return port_; }

    UdpCounts counts() const {
        std::lock_guard lock(mutex_);
        return counts_;
    }

    // True as soon as `done(counts)` holds; false after `timeout`.
    bool wait_for(const std::function<bool(const UdpCounts&)>& done, std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return done(counts_); });
    }

private:
    void loop(const std::stop_token& stop) {
        std::array<unsigned char, 65536> buf{};
        while (!stop.stop_requested()) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            sockaddr_in from{};
            socklen_t from_len = sizeof from;
            const auto n = ::recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
            if (n < 12 || (buf[0] >> 6) != 2) continue;
            classify(buf.data(), static_cast<std::size_t>(n), ntohs(from.sin_port));
        }
    }

    void classify(const unsigned char* p, std::size_t n, std::uint16_t from_port) {
        std::lock_guard lock(mutex_);
        if (p[1] >= 192 && p[1] <= 223) { // RTCP compound packet: walk its parts (RFC 3550 6.1)
            counts_.source_port_rtcp = from_port;
            std::size_t off = 0;
            while (off + 4 <= n) {
                const int pt = p[off + 1];
                const std::size_t len = (static_cast<std::size_t>(p[off + 2]) << 8 | p[off + 3]) * 4 + 4;
                if (pt == 200 && off + 20 <= n) {
                    if (counts_.sender_reports++ == 0) {
                        std::uint64_t ntp = 0;
                        for (int i = 0; i < 8; ++i) ntp = ntp << 8 | p[off + 8 + i];
                        counts_.first_sr_wall_us = wall_from_ntp(ntp).utc_us;
                        counts_.first_sr_received_us = wall_now().utc_us;
                    }
                }
                if (pt == 203) ++counts_.byes;
                off += len;
            }
        } else {
            counts_.source_port_rtp = from_port;
            ++counts_.rtp_by_pt[p[1] & 0x7f];
            counts_.rtp_ssrcs.insert(std::uint32_t{p[8]} << 24 | std::uint32_t{p[9]} << 16 | std::uint32_t{p[10]} << 8 | p[11]);
        }
        changed_.notify_all();
    }

    int fd_ = -1;
    std::uint16_t port_ = 0;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    UdpCounts counts_;
    std::jthread thread_;
};

} // namespace tafel::samples::test
