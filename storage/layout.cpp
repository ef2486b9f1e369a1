#include "storage/layout.hpp"

#include "core/ids.hpp"
#include "core/log.hpp"
#include "storage/checksums.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tafel::storage {

namespace fs = std::filesystem;

namespace {

std::unexpected<Error> fs_fail(std::string_view action, const fs::path& path, const std::error_code& ec) {
    const Errc code = ec == std::errc::no_space_on_device ? Errc::no_space : Errc::io;
    return fail(code, fmt::format("{} {}: {}", action, path.string(), ec.message()));
}

std::unexpected<Error> rename_fail(const fs::path& from, const fs::path& to, const std::error_code& ec) {
    // EXDEV: the data folder spans two filesystems, and a rename would have to be a copy,
    // which readers could observe half done. Say so rather than copying.
    const std::string why = ec == std::errc::cross_device_link
                                ? "not on the same filesystem, so the move cannot be atomic"
                                : ec.message();
    return fail(Errc::io, fmt::format("rename {} to {}: {}", from.string(), to.string(), why));
}

Result<void> check_id(std::string_view what, const std::string& id) {
    if (!is_safe_id(id)) return fail(Errc::invalid_argument, fmt::format("{} \"{}\" is not a safe id", what, id));
    return {};
}

} // namespace

std::optional<FolderIdentity> identity_of(const fs::path& folder) {
    struct stat st {};
    if (::stat(folder.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return std::nullopt;
    return FolderIdentity{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
}

Result<void> Layout::ensure() const {
    for (const fs::path& dir : {root_ / "raw", root_ / "published", tmp_root()}) {
        std::error_code ec;
        fs::create_directories(dir, ec);
        if (ec) return fs_fail("create folder", dir, ec);
    }
    return {};
}

Result<fs::path> Layout::make_work_dir(const std::string& id, const std::string& job) const {
    if (auto ok = check_id("recording id", id); !ok) return std::unexpected(ok.error());
    if (auto ok = check_id("job", job); !ok) return std::unexpected(ok.error());
    std::error_code ec;
    fs::create_directories(tmp_root(), ec);
    if (ec) return fs_fail("create folder", tmp_root(), ec);
    // The random part keeps a retry of the same job from reusing a crashed attempt's leftovers.
    const fs::path dir = tmp_root() / fmt::format("{}-{}-{}", id, job, random_hex_id(8));
    if (!fs::create_directory(dir, ec)) {
        if (!ec) ec = std::make_error_code(std::errc::file_exists);
        return fs_fail("create work folder", dir, ec);
    }
    return dir;
}

namespace {

// renameat2(2) with flags, or its error code. Flags need the filesystem's support (ext4, xfs,
// btrfs, tmpfs have it; NFS and some FUSE file systems answer EINVAL): the callers fall back
// to plain rename(2) under a lock then.
int rename_flags(const fs::path& from, const fs::path& to, unsigned flags) {
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), flags) == 0) return 0;
    return errno;
}

bool unsupported_flags(int err) { return err == EINVAL || err == ENOSYS || err == ENOTSUP; }
bool target_taken(int err) { return err == EEXIST || err == ENOTEMPTY; }

// Serialises publishers on file systems without renameat2 flags: one lock for the data
// folder, held only around the renames (flock(2) works across NFSv4 clients as a POSIX lock).
class PublishLock {
public:
    static Result<PublishLock> take(const fs::path& tmp_root) {
        const fs::path file = tmp_root / ".publish.lock";
        const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) return fs_fail("open lock", file, std::error_code(errno, std::generic_category()));
        while (::flock(fd, LOCK_EX) != 0) {
            if (errno == EINTR) continue;
            const int err = errno;
            ::close(fd);
            return fs_fail("lock", file, std::error_code(err, std::generic_category()));
        }
        return PublishLock(fd);
    }
    PublishLock(PublishLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    PublishLock& operator=(PublishLock&&) = delete;
    ~PublishLock() {
        if (fd_ >= 0) ::close(fd_); // closing releases the flock
    }

private:
    explicit PublishLock(int fd) : fd_(fd) {}
    int fd_ = -1;
};

std::unexpected<Error> errno_rename_fail(const fs::path& from, const fs::path& to, int err) {
    return rename_fail(from, to, std::error_code(err, std::generic_category()));
}

} // namespace

Result<void> Layout::prepare_publish(const fs::path& work_dir, const std::string& id) const {
    if (auto ok = check_id("recording id", id); !ok) return std::unexpected(ok.error());
    std::error_code ec;
    if (!fs::is_directory(work_dir, ec))
        return fail(Errc::not_found, fmt::format("publish {}: work folder {} does not exist", id, work_dir.string()));
    // Checksums of every file go into manifest.json before it becomes visible (issue 9:
    // `tafel verify` compares against them).
    // A manifest that is not JSON is the renderer's bug, not a reason to withhold the lesson:
    // it is published without checksums, which verify then reports.
    if (auto sums = add_checksums(work_dir); !sums) {
        if (sums.error().code != Errc::malformed_input) return sums;
        log::get("storage")->warn("publish {}: no checksums: {}", id, sums.error().describe());
    }
    const fs::path published_root = root_ / "published";
    fs::create_directories(published_root, ec);
    if (ec) return fs_fail("create folder", published_root, ec);
    return {};
}

Result<void> Layout::publish(const fs::path& work_dir, const std::string& id) const {
    if (auto ok = prepare_publish(work_dir, id); !ok) return ok;
    const fs::path target = published_dir(id);
    // Lock-free where the filesystem can: RENAME_NOREPLACE puts the first version in place,
    // RENAME_EXCHANGE swaps a newer one with whatever is there (an older render or the
    // audio-only preview) in one step, so that readers see the old or the new folder and the
    // recording is never absent in between. The old one ends up at work_dir and is removed.
    for (int attempt = 0; attempt < 8; ++attempt) {
        int err = rename_flags(work_dir, target, RENAME_NOREPLACE);
        if (err == 0) return {};
        if (unsupported_flags(err)) {
            auto placed = publish_locked(work_dir, id, /*replace=*/true, std::nullopt);
            if (!placed) return std::unexpected(placed.error());
            return {};
        }
        if (!target_taken(err)) return errno_rename_fail(work_dir, target, err);
        err = rename_flags(work_dir, target, RENAME_EXCHANGE);
        if (err == ENOENT) continue; // removed between the two calls (an unpublish): place it again
        if (err != 0) return errno_rename_fail(work_dir, target, err);
        std::error_code ec;
        fs::remove_all(work_dir, ec); // now the replaced version; a leftover only costs space (gc removes it)
        if (ec)
            log::get("storage")->warn("publish {}: could not remove the replaced version {}: {}", id, work_dir.string(),
                                      ec.message());
        return {};
    }
    return fail(Errc::io, fmt::format("publish {}: {} kept appearing and vanishing", id, target.string()));
}

Result<bool> Layout::publish_if_absent(const fs::path& work_dir, const std::string& id) const {
    if (auto ok = prepare_publish(work_dir, id); !ok) return std::unexpected(ok.error());
    const fs::path target = published_dir(id);
    const int err = rename_flags(work_dir, target, RENAME_NOREPLACE);
    if (unsupported_flags(err)) return publish_locked(work_dir, id, /*replace=*/false, std::nullopt);
    if (err != 0 && !target_taken(err)) return errno_rename_fail(work_dir, target, err);
    if (err != 0) {
        // Something is published already (the full render finished first): it stays.
        std::error_code ec;
        fs::remove_all(work_dir, ec);
        return false;
    }
    return true;
}

Result<bool> Layout::publish_replacing(const fs::path& work_dir, const std::string& id, FolderIdentity expected) const {
    if (auto ok = prepare_publish(work_dir, id); !ok) return std::unexpected(ok.error());
    const fs::path target = published_dir(id);
    const int err = rename_flags(work_dir, target, RENAME_EXCHANGE);
    if (unsupported_flags(err)) return publish_locked(work_dir, id, /*replace=*/true, expected);
    if (err == ENOENT) return publish_if_absent(work_dir, id); // taken back meanwhile
    if (err != 0) return errno_rename_fail(work_dir, target, err);
    std::error_code ec;
    if (identity_of(work_dir) != expected) {
        // Not the unfinished preview: something newer (the full render) had taken its place
        // between the caller's look and the swap. It goes straight back; ours is dropped.
        const int back = rename_flags(work_dir, target, RENAME_EXCHANGE);
        if (back != 0)
            log::get("storage")->error("publish {}: cannot swap the newer version back from {}: {}", id,
                                       work_dir.string(), std::strerror(back));
        else
            fs::remove_all(work_dir, ec);
        return false;
    }
    fs::remove_all(work_dir, ec); // the unfinished preview it replaced
    if (ec)
        log::get("storage")->warn("publish {}: could not remove the replaced version {}: {}", id, work_dir.string(),
                                  ec.message());
    return true;
}

Result<bool> Layout::publish_locked(const fs::path& work_dir, const std::string& id, bool replace,
                                    std::optional<FolderIdentity> only) const {
    auto lock = PublishLock::take(tmp_root());
    if (!lock) return std::unexpected(lock.error());
    std::error_code ec;
    const fs::path target = published_dir(id);
    fs::path aside;
    if (fs::exists(target, ec)) {
        if (!replace || (only && identity_of(target) != *only)) {
            fs::remove_all(work_dir, ec);
            return false;
        }
        // rename(2) cannot replace a non-empty directory, so the old version steps aside
        // into tmp/ (same filesystem, never listed by readers of published/) and is
        // removed only once the new one is in place. Between the two renames the
        // recording is briefly absent, never half there.
        aside = tmp_root() / fmt::format("{}-replaced-{}", id, random_hex_id(8));
        fs::rename(target, aside, ec);
        if (ec) return rename_fail(target, aside, ec);
    }
    fs::rename(work_dir, target, ec);
    if (ec) {
        auto error = rename_fail(work_dir, target, ec);
        if (!aside.empty()) {
            std::error_code restore;
            fs::rename(aside, target, restore); // best effort: put the old version back
        }
        return error;
    }
    if (!aside.empty()) {
        fs::remove_all(aside, ec);
        if (ec) log::get("storage")->warn("publish {}: could not remove the replaced version {}: {}", id,
                                          aside.string(), ec.message());
    }
    return true;
}

Result<void> Layout::remove(const std::string& id) const {
    if (auto ok = unpublish(id); !ok) return ok;
    std::error_code ec;
    fs::remove_all(raw_dir(id), ec);
    if (ec) return fs_fail("remove", raw_dir(id), ec);
    return {};
}

Result<bool> Layout::unpublish_if(const std::string& id, FolderIdentity mine) const {
    if (auto ok = check_id("recording id", id); !ok) return std::unexpected(ok.error());
    if (identity_of(published_dir(id)) != mine) return false;
    const fs::path target = published_dir(id);
    const fs::path aside = tmp_root() / fmt::format("{}-deleted-{}", id, random_hex_id(8));
    std::error_code ec;
    fs::rename(target, aside, ec);
    if (ec == std::errc::no_such_file_or_directory) return false;
    if (ec) return rename_fail(target, aside, ec);
    if (identity_of(aside) != mine) {
        // Replaced between the look and the rename: put the newer version back, unless an
        // even newer one is there already.
        int err = rename_flags(aside, target, RENAME_NOREPLACE);
        if (unsupported_flags(err)) {
            fs::rename(aside, target, ec);
            err = ec ? ec.value() : 0;
        }
        if (target_taken(err))
            fs::remove_all(aside, ec);
        else if (err != 0)
            log::get("storage")->error("unpublish {}: cannot put the newer version back from {}: {}", id,
                                       aside.string(), std::strerror(err));
        return false;
    }
    fs::remove_all(aside, ec);
    if (ec) return fs_fail("remove", aside, ec);
    return true;
}

Result<void> Layout::unpublish(const std::string& id) const {
    if (auto ok = check_id("recording id", id); !ok) return std::unexpected(ok.error());
    std::error_code ec;
    const fs::path target = published_dir(id);
    if (fs::exists(target, ec)) {
        fs::create_directories(tmp_root(), ec);
        if (ec) return fs_fail("create folder", tmp_root(), ec);
        const fs::path aside = tmp_root() / fmt::format("{}-deleted-{}", id, random_hex_id(8));
        fs::rename(target, aside, ec);
        if (ec) return rename_fail(target, aside, ec);
        fs::remove_all(aside, ec);
        if (ec) return fs_fail("remove", aside, ec);
    } else if (ec) {
        return fs_fail("inspect", target, ec);
    }
    return {};
}

namespace {

bool is_hex(std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// Whether a tmp/ entry belongs to recording `id`: "<id>-<job>-<hex>" (make_work_dir, job ids
// are digits) or "<id>-replaced-<hex>" / "<id>-deleted-<hex>" (publish, unpublish). The
// exact shape matters: recording "a" must not take "a-b-…" of recording "a-b". Only a
// recording id that itself ends in "-<digits>" next to one that is it plus "-<digits>" could
// be confused, and recording_id() (core/ids.hpp: "<hex>-<ms>") never makes such a pair.
bool is_work_dir_of(std::string_view name, const std::string& id) {
    if (!name.starts_with(id) || name.size() <= id.size() + 1 || name[id.size()] != '-') return false;
    const std::string_view rest = name.substr(id.size() + 1);
    const auto dash = rest.find('-');
    if (dash == std::string_view::npos) return false;
    const std::string_view head = rest.substr(0, dash);
    const std::string_view tail = rest.substr(dash + 1);
    const bool job = !head.empty() && head.find_first_not_of("0123456789") == std::string_view::npos;
    return (job || head == "replaced" || head == "deleted") && is_hex(tail);
}

Result<std::int64_t> tree_bytes(const fs::path& dir) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) return std::int64_t{0};
    std::int64_t total = 0;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        std::error_code size_ec;
        if (it->is_regular_file(size_ec)) {
            const auto size = it->file_size(size_ec);
            if (!size_ec) total += static_cast<std::int64_t>(size);
        }
    }
    // A file removed while walking (a render finishing, a deletion) is not an error.
    if (ec && ec != std::errc::no_such_file_or_directory) return fs_fail("measure", dir, ec);
    return total;
}

} // namespace

Result<int> Layout::remove_work_dirs(const std::string& id) const {
    if (auto ok = check_id("recording id", id); !ok) return std::unexpected(ok.error());
    std::error_code ec;
    if (!fs::exists(tmp_root(), ec)) return 0;
    std::vector<fs::path> mine;
    for (const auto& entry : fs::directory_iterator(tmp_root(), ec))
        if (is_work_dir_of(entry.path().filename().string(), id)) mine.push_back(entry.path());
    if (ec) return fs_fail("list", tmp_root(), ec);
    for (const auto& dir : mine) {
        // A worker may be writing into its work folder right now (a deletion racing a render):
        // a file created between remove_all's listing and its rmdir makes that fail with
        // ENOTEMPTY, so look again a few times. The worker itself removes the folder when its
        // render fails or it loses its lease.
        for (int attempt = 0; attempt < 5; ++attempt) {
            fs::remove_all(dir, ec);
            if (!ec || ec != std::errc::directory_not_empty) break;
        }
        if (ec) return fs_fail("remove", dir, ec);
    }
    return static_cast<int>(mine.size());
}

std::vector<fs::path> Layout::leftovers(const std::string& id) const {
    std::vector<fs::path> found;
    if (!is_safe_id(id)) return found;
    std::error_code ec;
    for (const fs::path& dir : {raw_dir(id), published_dir(id)})
        if (fs::exists(dir, ec)) found.push_back(dir);
    for (const auto& entry : fs::directory_iterator(tmp_root(), ec))
        if (is_work_dir_of(entry.path().filename().string(), id)) found.push_back(entry.path());
    return found;
}

Result<std::int64_t> Layout::raw_bytes(const std::string& id) const {
    if (auto ok = check_id("recording id", id); !ok) return std::unexpected(ok.error());
    return tree_bytes(raw_dir(id));
}

Result<std::int64_t> Layout::published_bytes(const std::string& id) const {
    if (auto ok = check_id("recording id", id); !ok) return std::unexpected(ok.error());
    return tree_bytes(published_dir(id));
}

} // namespace tafel::storage
