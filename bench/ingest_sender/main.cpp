// ingest_sender: plays N concurrent, realistic RTP streams to a recorder over loopback for
// bench/ingest. One thread, one unconnected UDP socket, batches of datagrams per sendmmsg(2).
//
//   ingest_sender --streams FILE --seconds S [--address 127.0.0.1]
//
// FILE has one stream a line: "<udp port> audio|video". Audio is Opus (RFC 7587): one
// packet every 20 ms of ~120 B. Video is VP8 (RFC 7741): 30 frames/s of 3 packets of
// ~1,000 B (90 packets/s), a keyframe every 2 s. Every stream also sends an RTCP SR + SDES
// CNAME compound once a second on the same port (rtcp-mux, RFC 5761). Sequence numbers and
// timestamps start at random values and increase as a real sender's would.
//
// Output (stdout): one line per stream "<port> <datagrams sent>", then a summary line
// "sent=<total> seconds=<s> max_lag_ms=<worst lateness behind the schedule>" — a large lag
// means this sender, not the recorder, was the bottleneck.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <queue>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

constexpr std::int64_t kNsPerSecond = 1'000'000'000;

std::int64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t{ts.tv_sec} * kNsPerSecond + ts.tv_nsec;
}

void sleep_until(std::int64_t t_ns) {
    timespec ts{};
    ts.tv_sec = t_ns / kNsPerSecond;
    ts.tv_nsec = t_ns % kNsPerSecond;
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
    }
}

void put16(std::uint8_t* p, std::uint32_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
}
void put32(std::uint8_t* p, std::uint32_t v) {
    put16(p, v >> 16);
    put16(p + 2, v);
}

struct Stream {
    sockaddr_in to{};
    bool video = false;
    std::uint32_t ssrc = 0;
    std::uint16_t seq = 0;
    std::uint32_t timestamp = 0;
    std::uint16_t picture_id = 0;   // VP8 15-bit PictureID
    std::int64_t frames = 0;
    std::int64_t next_rtcp_ns = 0;
    std::uint32_t rtp_packets = 0;  // for the SR's sender counts
    std::uint32_t rtp_octets = 0;
    std::uint64_t sent = 0;
    int port = 0;
};

// One datagram waiting in the batch.
struct Slot {
    std::array<std::uint8_t, 1200> bytes{};
    std::size_t size = 0;
    sockaddr_in to{};
};

class Batch {
public:
    explicit Batch(int fd) : fd_(fd), slots_(kCapacity), msgs_(kCapacity), iovs_(kCapacity) {}

    Slot& next(const sockaddr_in& to) {
        if (used_ == kCapacity) flush();
        Slot& s = slots_[used_++];
        s.to = to;
        s.size = 0;
        return s;
    }

    void flush() {
        for (std::size_t i = 0; i < used_; ++i) {
            iovs_[i] = iovec{slots_[i].bytes.data(), slots_[i].size};
            msgs_[i] = mmsghdr{};
            msgs_[i].msg_hdr.msg_name = &slots_[i].to;
            msgs_[i].msg_hdr.msg_namelen = sizeof(sockaddr_in);
            msgs_[i].msg_hdr.msg_iov = &iovs_[i];
            msgs_[i].msg_hdr.msg_iovlen = 1;
        }
        std::size_t done = 0;
        while (done < used_) {
            const int n = sendmmsg(fd_, msgs_.data() + done, static_cast<unsigned>(used_ - done), 0);
            if (n < 0) {
                if (errno == EINTR || errno == ENOBUFS || errno == EAGAIN) continue;
                throw std::runtime_error(fmt::format("sendmmsg: {}", std::strerror(errno)));
            }
            done += static_cast<std::size_t>(n);
        }
        used_ = 0;
    }

private:
    static constexpr std::size_t kCapacity = 256;
    int fd_;
    std::size_t used_ = 0;
    std::vector<Slot> slots_;
    std::vector<mmsghdr> msgs_;
    std::vector<iovec> iovs_;
};

void rtp_header(std::uint8_t* p, bool marker, std::uint8_t pt, Stream& s) {
    p[0] = 0x80;   // V=2, no padding, no extension, no CSRC (RFC 3550 5.1)
    p[1] = static_cast<std::uint8_t>((marker ? 0x80 : 0) | pt);
    put16(p + 2, s.seq++);
    put32(p + 4, s.timestamp);
    put32(p + 8, s.ssrc);
}

// Payload bytes: slices of one random pool (generating them per packet would make this
// sender, not the recorder, the bottleneck at 250,000 packets/s).
void fill(std::uint8_t* p, std::size_t n, std::mt19937& rng) {
    static const std::vector<std::uint8_t> pool = [] {
        std::mt19937 init(1);
        std::vector<std::uint8_t> bytes(1 << 16);
        for (auto& b : bytes) b = static_cast<std::uint8_t>(init());
        return bytes;
    }();
    std::memcpy(p, pool.data() + rng() % (pool.size() - n), n);
}

// RFC 7587: one Opus packet of 20 ms; TOC 0xF8 = config 31 (CELT FB 20 ms), mono, code 0.
void send_opus(Stream& s, Batch& batch, std::mt19937& rng) {
    Slot& slot = batch.next(s.to);
    rtp_header(slot.bytes.data(), false, 111, s);
    slot.bytes[12] = 0xF8;
    const std::size_t payload = 100 + rng() % 17;   // ~120 B datagrams, like a VBR voice
    fill(slot.bytes.data() + 13, payload - 1, rng);
    slot.size = 12 + payload;
    s.timestamp += 960;   // 20 ms at 48 kHz
    ++s.rtp_packets;
    s.rtp_octets += static_cast<std::uint32_t>(payload);
    ++s.sent;
}

// RFC 7741 4.2: X=1, I=1 with a 15-bit PictureID; S=1 on the first packet; the marker on the
// last. A keyframe's payload starts with the VP8 frame tag and start code (RFC 6386 9.1).
void send_vp8_frame(Stream& s, Batch& batch, std::mt19937& rng) {
    const bool key = s.frames % 60 == 0;
    for (int i = 0; i < 3; ++i) {
        Slot& slot = batch.next(s.to);
        std::uint8_t* p = slot.bytes.data();
        rtp_header(p, i == 2, 96, s);
        p[12] = static_cast<std::uint8_t>(0x80 | (i == 0 ? 0x10 : 0));
        p[13] = 0x80;
        put16(p + 14, 0x8000u | s.picture_id);
        const std::size_t vp8 = 960 + rng() % 49;
        fill(p + 16, vp8, rng);
        if (i == 0) {
            // Frame tag: bit 0 = 0 for a keyframe; show_frame; a first partition size.
            p[16] = static_cast<std::uint8_t>((key ? 0x00 : 0x01) | 0x10);
            if (key) {
                const std::array<std::uint8_t, 7> start{0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01};   // 640x360
                std::copy(start.begin(), start.end(), p + 19);
            }
        }
        slot.size = 16 + vp8;
        ++s.rtp_packets;
        s.rtp_octets += static_cast<std::uint32_t>(vp8 + 4);
        ++s.sent;
    }
    s.picture_id = static_cast<std::uint16_t>((s.picture_id + 1) & 0x7FFF);
    s.timestamp += 3000;   // 30 fps at 90 kHz
    ++s.frames;
}

// RFC 3550 6.4.1 SR (no report blocks) + 6.5 SDES with one CNAME item, one compound datagram.
void send_rtcp(Stream& s, Batch& batch, std::int64_t t_ns) {
    Slot& slot = batch.next(s.to);
    std::uint8_t* p = slot.bytes.data();
    p[0] = 0x80;
    p[1] = 200;
    put16(p + 2, 6);
    put32(p + 4, s.ssrc);
    const std::uint64_t ntp = ((static_cast<std::uint64_t>(t_ns / kNsPerSecond) + 2'208'988'800ULL) << 32) |
                              ((static_cast<std::uint64_t>(t_ns % kNsPerSecond) << 32) / kNsPerSecond);
    put32(p + 8, static_cast<std::uint32_t>(ntp >> 32));
    put32(p + 12, static_cast<std::uint32_t>(ntp));
    put32(p + 16, s.timestamp);
    put32(p + 20, s.rtp_packets);
    put32(p + 24, s.rtp_octets);
    const std::string cname = fmt::format("bench-{}", s.port);
    std::uint8_t* q = p + 28;
    q[0] = 0x81;
    q[1] = 202;
    const std::size_t chunk = 4 + 2 + cname.size() + 1;   // SSRC, type+len, text, end
    const std::size_t padded = (chunk + 3) / 4 * 4;
    put16(q + 2, static_cast<std::uint32_t>(padded / 4));
    put32(q + 4, s.ssrc);
    q[8] = 1;   // CNAME
    q[9] = static_cast<std::uint8_t>(cname.size());
    std::memcpy(q + 10, cname.data(), cname.size());
    std::fill(q + 10 + cname.size(), q + 4 + padded, std::uint8_t{0});
    slot.size = 28 + 4 + padded;
    ++s.sent;
}

struct Due {
    std::int64_t t_ns;
    std::size_t stream;
    bool operator>(const Due& o) const { return t_ns > o.t_ns; }
};

int run(int argc, char** argv) {
    std::string streams_file;
    std::string address = "127.0.0.1";
    double seconds = 10;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--streams") streams_file = argv[i + 1];
        else if (flag == "--address") address = argv[i + 1];
        else if (flag == "--seconds") seconds = std::stod(argv[i + 1]);
        else throw std::runtime_error(fmt::format("unknown flag {}", flag));
    }
    if (streams_file.empty()) throw std::runtime_error("usage: ingest_sender --streams FILE --seconds S");

    std::mt19937 rng(4711);
    std::vector<Stream> streams;
    std::ifstream in(streams_file);
    if (!in) throw std::runtime_error(fmt::format("{}: cannot open", streams_file));
    int port = 0;
    std::string kind;
    while (in >> port >> kind) {
        Stream s;
        s.port = port;
        s.video = kind == "video";
        s.to.sin_family = AF_INET;
        s.to.sin_port = htons(static_cast<std::uint16_t>(port));
        if (inet_pton(AF_INET, address.c_str(), &s.to.sin_addr) != 1) {
            throw std::runtime_error(fmt::format("address {}: not IPv4", address));
        }
        s.ssrc = static_cast<std::uint32_t>(rng());
        s.seq = static_cast<std::uint16_t>(rng());
        s.timestamp = static_cast<std::uint32_t>(rng());
        s.picture_id = static_cast<std::uint16_t>(rng() & 0x7FFF);
        streams.push_back(s);
    }
    if (streams.empty()) throw std::runtime_error(fmt::format("{}: no streams", streams_file));

    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) throw std::runtime_error(fmt::format("socket: {}", std::strerror(errno)));
    const int sndbuf = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    Batch batch(fd);

    // Streams start spread over one packet interval, as independent senders would.
    const std::int64_t start = now_ns() + 50'000'000;
    const std::int64_t end = start + static_cast<std::int64_t>(seconds * kNsPerSecond);
    const std::int64_t opus_period = 20'000'000;
    const std::int64_t vp8_period = kNsPerSecond / 30;
    std::priority_queue<Due, std::vector<Due>, std::greater<>> queue;
    for (std::size_t i = 0; i < streams.size(); ++i) {
        const std::int64_t period = streams[i].video ? vp8_period : opus_period;
        const std::int64_t offset = static_cast<std::int64_t>(i) * period / static_cast<std::int64_t>(streams.size());
        queue.push({start + offset, i});
        streams[i].next_rtcp_ns = start + offset + kNsPerSecond / 2;
    }

    std::int64_t max_lag = 0;
    while (!queue.empty()) {
        const std::int64_t t = now_ns();
        if (queue.top().t_ns > t) {
            batch.flush();
            sleep_until(queue.top().t_ns);
            continue;
        }
        const Due due = queue.top();
        queue.pop();
        max_lag = std::max(max_lag, t - due.t_ns);
        Stream& s = streams[due.stream];
        if (s.video) send_vp8_frame(s, batch, rng);
        else send_opus(s, batch, rng);
        if (due.t_ns >= s.next_rtcp_ns) {
            send_rtcp(s, batch, t);
            s.next_rtcp_ns += kNsPerSecond;
        }
        const std::int64_t next = due.t_ns + (s.video ? vp8_period : opus_period);
        if (next < end) queue.push({next, due.stream});
    }
    batch.flush();
    close(fd);

    std::uint64_t total = 0;
    std::string out;
    for (const auto& s : streams) {
        out += fmt::format("{} {}\n", s.port, s.sent);
        total += s.sent;
    }
    fmt::print("{}sent={} seconds={} max_lag_ms={:.1f}\n", out, total, seconds, static_cast<double>(max_lag) / 1e6);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        fmt::print(stderr, "ingest_sender: {}\n", e.what());
        return 1;
    }
}
