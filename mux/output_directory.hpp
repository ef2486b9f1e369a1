#pragma once
// A folder that a libavformat muxer writes into through a directory file descriptor (issue 6,
// progressive publishing: the audio-only preview's HLS stream). Two guarantees a path cannot
// give:
// - Atomic files: every file the muxer opens is written as "<name>.tmp" and renamed to
//   "<name>" when the muxer closes it (openat + renameat on the descriptor), so a reader of
//   the folder never sees half a segment or half a playlist; and since the hls muxer closes a
//   segment before it rewrites its playlist, a segment is listed only once its file is there.
// - The folder, not its name: after the folder has been renamed (published, then perhaps
//   swapped out by a newer version of the recording), writes still go into this folder, never
//   into whatever took its name; `guard` is asked before each file is opened and may refuse
//   (the folder is no longer the writer's to fill), which fails the muxer's write cleanly.
#include "core/error.hpp"

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

struct AVFormatContext;
struct AVIOContext;
struct AVDictionary;

namespace tafel::mux {

class OutputDirectory {
public:
    static Result<std::shared_ptr<OutputDirectory>> open(const std::filesystem::path& path);
    ~OutputDirectory();
    OutputDirectory(const OutputDirectory&) = delete;
    OutputDirectory& operator=(const OutputDirectory&) = delete;

    // Asked before each file is opened; false refuses it (refused() then says so).
    void set_guard(std::function<bool()> guard) { guard_ = std::move(guard); }
    // Called with a file's name once it is in place (renamed from its .tmp).
    void on_placed(std::function<void(const std::string&)> placed) { placed_ = std::move(placed); }
    bool refused() const { return refused_; }

    // Routes `context`'s file opens (io_open / io_close2) through this folder: each file name
    // the muxer asks for (no '/') is created in it as described above. The context must not
    // outlive this object.
    void attach(AVFormatContext& context);

    // Renames `from` (anywhere on the same file system) into this folder as `name`, replacing
    // a file of that name.
    Result<void> move_in(const std::filesystem::path& from, const std::string& name) const;
    // "/proc/self/fd/<fd>": for path-based code (JSON writers, checksums) that must reach this
    // folder through its descriptor — the kernel resolves the magic link to the open folder
    // itself, wherever it has been renamed to (proc(5), /proc/pid/fd/).
    std::filesystem::path path() const;

private:
    OutputDirectory(int fd, std::filesystem::path opened_as) : fd_(fd), opened_as_(std::move(opened_as)) {}
    static int io_open(AVFormatContext* s, AVIOContext** pb, const char* url, int flags, AVDictionary** options);
    static int io_close2(AVFormatContext* s, AVIOContext* pb);

    int fd_ = -1;
    std::filesystem::path opened_as_; // for messages only
    std::function<bool()> guard_;
    std::function<void(const std::string&)> placed_;
    bool refused_ = false;
};

} // namespace tafel::mux
