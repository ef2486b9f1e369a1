#include "mux/output_directory.hpp"

#include "core/log.hpp"

extern "C" {
#include <libavformat/avformat.h>
#include <libavformat/avio.h>
#include <libavutil/mem.h>
}

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

namespace tafel::mux {

namespace {

// One file being written: the AVIOContext's opaque.
struct OpenFile {
    OutputDirectory* dir = nullptr;
    int dir_fd = -1;
    int fd = -1;
    std::string name; // the final name; written as name + ".tmp"
    bool failed = false;
};

int write_all(void* opaque, std::uint8_t* data, int size) {
    auto* file = static_cast<OpenFile*>(opaque);
    int left = size;
    while (left > 0) {
        const ssize_t n = ::write(file->fd, data + (size - left), static_cast<std::size_t>(left));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            file->failed = true;
            return AVERROR(errno);
        }
        left -= static_cast<int>(n);
    }
    return size;
}

std::string tmp_name(const std::string& name) { return name + ".tmp"; }

} // namespace

Result<std::shared_ptr<OutputDirectory>> OutputDirectory::open(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return fail(Errc::io, fmt::format("open folder {}: {}", path.string(), std::strerror(errno)));
    return std::shared_ptr<OutputDirectory>(new OutputDirectory(fd, path));
}

OutputDirectory::~OutputDirectory() {
    if (fd_ >= 0) ::close(fd_);
}

void OutputDirectory::attach(AVFormatContext& context) {
    context.opaque = this;
    context.io_open = &OutputDirectory::io_open;
    context.io_close2 = &OutputDirectory::io_close2;
}

int OutputDirectory::io_open(AVFormatContext* s, AVIOContext** pb, const char* url, int flags, AVDictionary**) {
    auto* self = static_cast<OutputDirectory*>(s->opaque);
    // The muxer's URL carries a protocol prefix no one knows (ContainerWriter: "tafel:"), so
    // that the hls muxer treats it as not a plain file and writes its playlist in place rather
    // than as "<playlist>.tmp" renamed by path (FFmpeg 5.1 hlsenc.c, hls_window's use_temp_file
    // for file: URLs): renaming is this class's job, through the descriptor.
    std::string_view name = url;
    if (const auto colon = name.find(':'); colon != std::string_view::npos) name.remove_prefix(colon + 1);
    if ((flags & AVIO_FLAG_READ) != 0 || name.empty() || name.find('/') != std::string_view::npos || name == "." ||
        name == "..") {
        log::get("mux")->error("{}: the muxer asked for '{}' (flags {}), which is not a plain new file of the folder",
                               self->opened_as_.string(), url, flags);
        return AVERROR(EINVAL);
    }
    if (self->guard_ && !self->guard_()) {
        self->refused_ = true;
        return AVERROR(ESTALE);
    }
    auto file = std::make_unique<OpenFile>();
    file->dir = self;
    file->dir_fd = self->fd_;
    file->name = std::string(name);
    file->fd = ::openat(self->fd_, tmp_name(file->name).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (file->fd < 0) return AVERROR(errno);
    constexpr int k_buffer = 1 << 16;
    auto* buffer = static_cast<unsigned char*>(av_malloc(k_buffer));
    if (buffer == nullptr) {
        ::close(file->fd);
        ::unlinkat(self->fd_, tmp_name(file->name).c_str(), 0);
        return AVERROR(ENOMEM);
    }
    AVIOContext* io = avio_alloc_context(buffer, k_buffer, 1, file.get(), nullptr, &write_all, nullptr);
    if (io == nullptr) {
        av_free(buffer);
        ::close(file->fd);
        ::unlinkat(self->fd_, tmp_name(file->name).c_str(), 0);
        return AVERROR(ENOMEM);
    }
    file.release();
    *pb = io;
    return 0;
}

int OutputDirectory::io_close2(AVFormatContext*, AVIOContext* pb) {
    if (pb == nullptr) return 0;
    avio_flush(pb);
    std::unique_ptr<OpenFile> file(static_cast<OpenFile*>(pb->opaque));
    const bool ok = pb->error == 0 && !file->failed;
    av_freep(&pb->buffer);
    avio_context_free(&pb);
    const bool closed = ::close(file->fd) == 0;
    const std::string tmp = tmp_name(file->name);
    if (!ok || !closed) {
        ::unlinkat(file->dir_fd, tmp.c_str(), 0);
        return AVERROR(EIO);
    }
    if (::renameat(file->dir_fd, tmp.c_str(), file->dir_fd, file->name.c_str()) != 0) {
        const int err = errno;
        ::unlinkat(file->dir_fd, tmp.c_str(), 0);
        return AVERROR(err);
    }
    if (file->dir->placed_) file->dir->placed_(file->name);
    return 0;
}

Result<void> OutputDirectory::move_in(const std::filesystem::path& from, const std::string& name) const {
    if (::renameat(AT_FDCWD, from.c_str(), fd_, name.c_str()) != 0)
        return fail(Errc::io, fmt::format("move {} into {} as {}: {}", from.string(), opened_as_.string(), name,
                                          std::strerror(errno)));
    return {};
}

std::filesystem::path OutputDirectory::path() const { return fmt::format("/proc/self/fd/{}", fd_); }

} // namespace tafel::mux
