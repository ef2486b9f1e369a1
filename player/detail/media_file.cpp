#include "player/detail/media_file.hpp"

#include "player/detail/byte_range.hpp"
#include "player/detail/http_date.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <fmt/format.h>

namespace tafel::player::detail {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::string_view opaque(std::string_view tag) {
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    return tag;
}

} // namespace

bool etag_list_matches(std::string_view list, std::string_view etag) {
    list = trim(list);
    if (list == "*") return true;
    while (!list.empty()) {
        const auto comma = list.find(',');
        const std::string_view tag = trim(list.substr(0, comma));
        if (!tag.empty() && opaque(tag) == opaque(etag)) return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

Reply serve_file(const Request& request, const std::filesystem::path& path, const std::string& content_type) {
    // O_NOFOLLOW: a symlink planted in a published folder must not lead elsewhere.
    return serve_open_file(request, UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)),
                           path.filename().string(), content_type);
}

Reply serve_file_in(const Request& request, const std::filesystem::path& dir, const std::string& name,
                    const std::string& content_type) {
    // The folder itself must not be a symlink either: O_NOFOLLOW on both steps.
    const UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW));
    if (!dir_fd) return text_reply(404, fmt::format("no file '{}' in this recording", name));
    return serve_open_file(request, UniqueFd(::openat(dir_fd.get(), name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)),
                           name, content_type);
}

Reply serve_open_file(const Request& request, UniqueFd fd, const std::string& name, const std::string& content_type) {
    struct stat st {};
    if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
        return text_reply(404, fmt::format("no file '{}' in this recording", name));

    const auto size = static_cast<std::uint64_t>(st.st_size);
    const std::int64_t mtime_s = st.st_mtim.tv_sec;
    const std::int64_t mtime_ns = mtime_s * 1'000'000'000 + st.st_mtim.tv_nsec;
    const std::string etag = fmt::format("\"{:x}-{:x}\"", size, mtime_ns);
    const std::string last_modified = format_http_date(mtime_s);

    Reply reply;
    reply.head_only = request.method == "HEAD";
    reply.set("Accept-Ranges", "bytes");
    reply.set("ETag", etag);
    reply.set("Last-Modified", last_modified);
    // Recordings are private to their viewers: caches may keep them only per user and must
    // revalidate (the ETag makes that a cheap 304).
    reply.set("Cache-Control", "private, no-cache");

    // RFC 9110 13.2.2: If-None-Match first; If-Modified-Since only without it.
    const auto inm = request.header("If-None-Match");
    bool not_modified = false;
    if (!inm.empty()) {
        not_modified = etag_list_matches(inm, etag);
    } else if (const auto ims = parse_http_date(request.header("If-Modified-Since"))) {
        not_modified = mtime_s <= *ims;
    }
    if (not_modified) {
        reply.status = 304;
        return reply;
    }

    ByteRange range = parse_range(request.header("Range"), size);
    // RFC 9110 13.1.5: a Range is honoured only while If-Range still names this version; the
    // entity-tag comparison is strong, a date must equal Last-Modified exactly.
    if (const auto if_range = trim(request.header("If-Range")); !if_range.empty()) {
        const bool same = if_range.starts_with("\"") ? if_range == etag : if_range == last_modified;
        if (!same) range = ByteRange{};
    }

    reply.set("Content-Type", content_type);
    switch (range.kind) {
    case ByteRange::Kind::unsatisfiable: {
        Reply bad = text_reply(416, fmt::format("range not satisfiable: '{}' has {} bytes", name, size));
        bad.head_only = reply.head_only;
        bad.set("Content-Range", fmt::format("bytes */{}", size));
        bad.set("Accept-Ranges", "bytes");
        return bad;
    }
    case ByteRange::Kind::partial:
        reply.status = 206;
        reply.set("Content-Range", fmt::format("bytes {}-{}/{}", range.first, range.last, size));
        reply.file = FileSlice{std::move(fd), range.first, range.length()};
        return reply;
    case ByteRange::Kind::full:
        break;
    }
    reply.status = 200;
    reply.file = FileSlice{std::move(fd), 0, size};
    return reply;
}

} // namespace tafel::player::detail
