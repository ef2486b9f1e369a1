#include "player/detail/gzip.hpp"

#include "player/detail/reply.hpp"

#include <zlib.h>

#include <cctype>
#include <cstdlib>
#include <memory>

namespace tafel::player::detail {

namespace {

struct DeflateEnd {
    void operator()(z_stream* z) const noexcept { deflateEnd(z); }
};

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool compressible(std::string_view content_type) {
    const std::string t = lower(content_type);
    return t.starts_with("text/") || t.starts_with("application/json") ||
           t.starts_with("application/xml") || t.starts_with("image/svg+xml");
}

} // namespace

std::optional<std::string> gzip_compress(std::string_view data) {
    z_stream z{};
    // windowBits 15 + 16: a gzip wrapper instead of zlib's (zlib.h, deflateInit2).
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return std::nullopt;
    std::unique_ptr<z_stream, DeflateEnd> guard(&z);
    std::string out(deflateBound(&z, static_cast<uLong>(data.size())), '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    if (deflate(&z, Z_FINISH) != Z_STREAM_END) return std::nullopt;
    out.resize(z.total_out);
    return out;
}

bool accepts_gzip(std::string_view header) {
    while (!header.empty()) {
        const auto comma = header.find(',');
        std::string_view item = trim(header.substr(0, comma));
        std::string_view coding = item;
        double q = 1.0;
        if (const auto semi = item.find(';'); semi != std::string_view::npos) {
            coding = trim(item.substr(0, semi));
            const std::string params = lower(item.substr(semi + 1));
            if (const auto at = params.find("q="); at != std::string::npos)
                q = std::strtod(params.c_str() + at + 2, nullptr);
        }
        const std::string c = lower(coding);
        if ((c == "gzip" || c == "x-gzip" || c == "*") && q > 0) return true;
        if (comma == std::string_view::npos) break;
        header.remove_prefix(comma + 1);
    }
    return false;
}

std::string gzip_etag(std::string_view etag) {
    if (etag.size() >= 2 && etag.back() == '"')
        return std::string(etag.substr(0, etag.size() - 1)) + "-gzip\"";
    return std::string(etag);
}

void maybe_gzip(const Request& request, Reply& reply) {
    if (reply.status != 200 || reply.file || reply.body.size() < 256 || !compressible(reply.header("Content-Type")))
        return;
    reply.set("Vary", "Accept-Encoding");
    if (!accepts_gzip(request.header("Accept-Encoding"))) return;
    auto packed = gzip_compress(reply.body);
    if (!packed || packed->size() >= reply.body.size()) return;
    reply.body = std::move(*packed);
    reply.set("Content-Encoding", "gzip");
    if (const auto etag = reply.header("ETag"); !etag.empty()) reply.set("ETag", gzip_etag(etag));
}

} // namespace tafel::player::detail
