#pragma once
// A child process for end-to-end tests: runs the real `tafel` binary (or a checker such as
// ffprobe), reads its stdout line by line with a deadline, and is killed on destruction.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace tafel::test {

class ChildProcess {
public:
    // Starts argv[0] with argv; stdout is a pipe read by wait_for_line(), stderr goes to
    // `stderr_file` (kept as a test artifact) when given, else is inherited.
    // With `pipe_stdin` the child reads what write_stdin() sends (EOF at close_stdin() or
    // destruction); otherwise it inherits stdin.
    explicit ChildProcess(const std::vector<std::string>& argv, const std::string& stderr_file = {},
                          bool pipe_stdin = false);
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    // The first stdout line (after earlier calls) containing `needle`, or nullopt when the
    // deadline passes or the process ends first. Every line read is kept in output().
    std::optional<std::string> wait_for_line(const std::string& needle, std::chrono::seconds timeout);

    // Writes all of `bytes` to the child's stdin (pipe_stdin); false when the child closed it.
    bool write_stdin(const std::string& bytes);
    void close_stdin();

    // Sends `signal` and waits (bounded) for the exit; returns the exit status or -1.
    int stop(int signal, std::chrono::seconds timeout);
    // Waits for the exit without signalling; -1 on timeout.
    int wait(std::chrono::seconds timeout);

    // Reads stdout until EOF (bounded); use after the child exited.
    void read_to_end(std::chrono::seconds timeout);

    const std::string& output() const { return output_; }
    int pid() const { return pid_; }

private:
    bool read_some(std::chrono::milliseconds timeout);

    int pid_ = -1;
    int stdout_fd_ = -1;
    int stdin_fd_ = -1;
    std::string buffer_;   // unread part of stdout
    std::string output_;   // everything read so far
    int exit_status_ = -1;
    bool exited_ = false;
};

// Runs a command to completion, returns (exit status, stdout). For ffprobe/ffmpeg/curl.
struct CommandResult {
    int status = -1;
    std::string out;
};
CommandResult run_command(const std::vector<std::string>& argv);

} // namespace tafel::test
