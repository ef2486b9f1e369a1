#include "redis_fixture.hpp"

#include "core/ids.hpp"

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

extern char** environ;

namespace tafel::bbb::test {

namespace {

std::uint16_t free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

int connect_to(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

std::string bulk(const std::string& s) { return fmt::format("${}\r\n{}\r\n", s.size(), s); }

} // namespace

RedisServer::RedisServer() : port_(free_port()) {
    const std::string port = std::to_string(port_);
    std::vector<std::string> args{"redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "",
                                  "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    REQUIRE(::posix_spawnp(&pid_, "redis-server", nullptr, nullptr, argv.data(), environ) == 0);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
        const int fd = connect_to(port_);
        if (fd >= 0) {
            ::close(fd);
            return;
        }
        REQUIRE(std::chrono::steady_clock::now() < deadline);
        std::this_thread::sleep_for(std::chrono::milliseconds(20)); // polling a bounded condition
    }
}

RedisServer::~RedisServer() {
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
}

Connection::Connection(std::uint16_t port) : fd_(connect_to(port)) { REQUIRE(fd_ >= 0); }
Connection::~Connection() {
    if (fd_ >= 0) ::close(fd_);
}

void Connection::write(const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const auto n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
        REQUIRE(n > 0);
        done += static_cast<std::size_t>(n);
    }
}

bool Connection::fill(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[8192];
    const auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    buffer_.append(buf, static_cast<std::size_t>(n));
    return true;
}

std::optional<std::string> Connection::line(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (const auto eol = buffer_.find("\r\n"); eol != std::string::npos) {
            std::string out = buffer_.substr(0, eol);
            buffer_.erase(0, eol + 2);
            return out;
        }
        if (!fill(deadline)) return std::nullopt;
    }
}

std::optional<std::string> Connection::exact(std::size_t n, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (buffer_.size() < n)
        if (!fill(deadline)) return std::nullopt;
    std::string out = buffer_.substr(0, n);
    buffer_.erase(0, n);
    return out;
}

FakeSfuLink::FakeSfuLink(std::uint16_t port, std::string to, std::string from) : sub_(port), pub_(port), to_(std::move(to)) {
    sub_.write("*2\r\n" + bulk("SUBSCRIBE") + bulk(from));
    // ["subscribe", channel, 1]
    REQUIRE(sub_.line(std::chrono::seconds(5)) == "*3");
    REQUIRE(sub_.line(std::chrono::seconds(5)) == "$9");
    REQUIRE(sub_.line(std::chrono::seconds(5)) == "subscribe");
    REQUIRE(sub_.line(std::chrono::seconds(5)));
    REQUIRE(sub_.line(std::chrono::seconds(5)) == from);
    REQUIRE(sub_.line(std::chrono::seconds(5)) == ":1");
}

long long FakeSfuLink::send(const std::string& json) {
    pub_.write("*3\r\n" + bulk("PUBLISH") + bulk(to_) + bulk(json));
    const auto reply = pub_.line(std::chrono::seconds(5));
    REQUIRE(reply);
    REQUIRE(reply->starts_with(":"));
    return std::stoll(reply->substr(1));
}

std::optional<std::string> FakeSfuLink::next(std::chrono::milliseconds timeout) {
    const auto head = sub_.line(timeout);
    if (!head) return std::nullopt;
    REQUIRE(*head == "*3");
    REQUIRE(sub_.line(timeout) == "$7");
    REQUIRE(sub_.line(timeout) == "message");
    REQUIRE(sub_.line(timeout));       // $len of the channel
    REQUIRE(sub_.line(timeout));       // channel
    const auto len = sub_.line(timeout);
    REQUIRE(len);
    REQUIRE(len->starts_with("$"));
    auto payload = sub_.exact(std::stoul(len->substr(1)), timeout);
    REQUIRE(payload);
    REQUIRE(sub_.line(timeout) == "");
    return payload;
}

std::optional<std::string> FakeSfuLink::next_with_id(const std::string& id, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        auto message = next(left);
        if (!message) return std::nullopt;
        const auto json = nlohmann::json::parse(*message, nullptr, false);
        if (!json.is_discarded() && json.value("id", "") == id) return message;
    }
}

TempDir::TempDir() : path(std::filesystem::temp_directory_path() / ("tafel-bbb-" + random_hex_id(6))) {
    std::filesystem::create_directories(path);
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
}

BbbOptions options_for(std::uint16_t port, const std::filesystem::path& dir) {
    BbbOptions o;
    o.redis.port = port;
    o.service.recordings_dir = dir;
    o.service.app_version = "tafel-test";
    return o;
}

RecorderSetup::RecorderSetup(const std::function<void(BbbOptions&)>& adjust) {
    auto options = options_for(redis.port(), dir.path);
    if (adjust) adjust(options);
    auto started = BbbRecorder::start(options);
    REQUIRE(started);
    recorder = std::move(*started);
    REQUIRE(parse(sfu.next())["id"] == "recorderStatus");
}

nlohmann::json parse(const std::optional<std::string>& text) {
    REQUIRE(text);
    auto j = nlohmann::json::parse(*text, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    return j;
}

} // namespace tafel::bbb::test
