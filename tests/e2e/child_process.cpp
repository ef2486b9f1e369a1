#include "child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace tafel::test {

namespace {

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
    std::vector<char*> out;
    for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
    out.push_back(nullptr);
    return out;
}

} // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& stderr_file, bool pipe_stdin) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    int in[2] = {-1, -1};
    if (pipe_stdin && pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    auto args = c_argv(argv);
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        // The child: tafel blocks SIGINT/SIGTERM itself and sigwaits; start it clean.
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        dup2(fds[1], STDOUT_FILENO);
        if (pipe_stdin) dup2(in[0], STDIN_FILENO);
        if (!stderr_file.empty()) {
            int err = open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (err >= 0) dup2(err, STDERR_FILENO);
        }
        execvp(args[0], args.data());
        _exit(127);
    }
    close(fds[1]);
    stdout_fd_ = fds[0];
    if (pipe_stdin) {
        close(in[0]);
        stdin_fd_ = in[1];
        // A write to a pipe whose reader is gone raises SIGPIPE (MSG_NOSIGNAL is for
        // sockets only): ignored in the test process, so write_stdin() returns false instead.
        signal(SIGPIPE, SIG_IGN);
    }
}

bool ChildProcess::write_stdin(const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(stdin_fd_, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

void ChildProcess::close_stdin() {
    if (stdin_fd_ >= 0) close(stdin_fd_);
    stdin_fd_ = -1;
}

ChildProcess::~ChildProcess() {
    close_stdin();
    if (!exited_ && pid_ > 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    if (stdout_fd_ >= 0) close(stdout_fd_);
}

bool ChildProcess::read_some(std::chrono::milliseconds timeout) {
    pollfd p{stdout_fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return true;
    char chunk[4096];
    const ssize_t n = read(stdout_fd_, chunk, sizeof chunk);
    if (n <= 0) return false; // EOF: the child closed stdout (exited)
    buffer_.append(chunk, static_cast<std::size_t>(n));
    output_.append(chunk, static_cast<std::size_t>(n));
    return true;
}

std::optional<std::string> ChildProcess::wait_for_line(const std::string& needle, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        std::size_t nl;
        while ((nl = buffer_.find('\n')) != std::string::npos) {
            std::string line = buffer_.substr(0, nl);
            buffer_.erase(0, nl + 1);
            if (line.find(needle) != std::string::npos) return line;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        if (!read_some(std::min(left, std::chrono::milliseconds(200)))) return std::nullopt;
    }
}

int ChildProcess::wait(std::chrono::seconds timeout) {
    if (exited_) return exit_status_;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        const pid_t r = waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            exited_ = true;
            exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            return exit_status_;
        }
        // Keep draining stdout so the child never blocks on a full pipe.
        if (!read_some(std::chrono::milliseconds(100))) {
            pollfd none{};
            poll(&none, 0, 50);
        }
    }
    return -1;
}

void ChildProcess::read_to_end(std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!read_some(std::chrono::milliseconds(100))) return;
    }
}

int ChildProcess::stop(int signal, std::chrono::seconds timeout) {
    if (!exited_) kill(pid_, signal);
    return wait(timeout);
}

CommandResult run_command(const std::vector<std::string>& argv) {
    ChildProcess child(argv);
    CommandResult result;
    result.status = child.wait(std::chrono::seconds(300));
    child.read_to_end(std::chrono::seconds(10));
    result.out = child.output();
    return result;
}

} // namespace tafel::test
