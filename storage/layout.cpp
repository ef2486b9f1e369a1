#include "storage/layout.hpp"

#include "core/ids.hpp"
#include "core/log.hpp"

#include <fmt/format.h>

#include <system_error>

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

Result<void> Layout::publish(const fs::path& work_dir, const std::string& id) const {
    if (auto ok = check_id("recording id", id); !ok) return std::unexpected(ok.error());
    std::error_code ec;
    if (!fs::is_directory(work_dir, ec))
        return fail(Errc::not_found, fmt::format("publish {}: work folder {} does not exist", id, work_dir.string()));
    const fs::path published_root = root_ / "published";
    fs::create_directories(published_root, ec);
    if (ec) return fs_fail("create folder", published_root, ec);

    const fs::path target = published_dir(id);
    fs::path aside;
    if (fs::exists(target, ec)) {
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
        // The new version is published; a leftover old one only costs space (gc removes it).
        fs::remove_all(aside, ec);
        if (ec) log::get("storage")->warn("publish {}: could not remove the replaced version {}: {}", id,
                                          aside.string(), ec.message());
    }
    return {};
}

Result<void> Layout::remove(const std::string& id) const {
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
    fs::remove_all(raw_dir(id), ec);
    if (ec) return fs_fail("remove", raw_dir(id), ec);
    return {};
}

} // namespace tafel::storage
