#pragma once
// Maps a request to a reply: the pages, media files, JSON API, assets and /healthz. Free of
// Beast so that every route is testable without a socket; blocking work here is bounded
// (one catalog query, one manifest read, one open()).
#include "player/detail/pages.hpp"
#include "player/detail/reply.hpp"
#include "storage/catalog.hpp"
#include "storage/layout.hpp"

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace tafel::player::detail {

struct AccessOptions {
    // Shared with the portal; empty = open access (the demo): no token needed, and every
    // visitor may download.
    std::string secret;
    // Unix seconds; tests move it to expire tokens.
    std::function<std::int64_t()> now;
};

class Router {
public:
    // Both must outlive the router.
    Router(storage::Catalog& catalog, const storage::Layout& layout, AccessOptions access = {});

    // Thread-safe: catalog calls are serialised by one mutex.
    Reply handle(const Request& request);

private:
    Reply route(const Request& request);
    // What a request may do with one recording.
    struct Access {
        bool allowed = false;
        bool owner = false;      // may download (and, later, manage)
        std::string set_cookie;  // a session to start (the page was opened with ?token=)
        std::string reason;      // why not, for the 403 text
    };
    Access access(const Request& request, const std::string& query, const std::string& id, bool page);

    Reply home(Lang lang);
    Reply playback(const std::string& id, Lang lang, const Access& access);
    Reply media(const Request& request, const std::string& id, const std::string& name);
    Reply api_list();
    Reply api_one(const std::string& id);
    Reply asset(const Request& request, const std::string& name);
    Reply bbb(const Request& request, const std::string& call, const std::string& query);

    // A recording viewers may see: published in the catalog and present on disk. Unknown,
    // unpublished and half-there recordings are all std::nullopt (they do not exist for
    // viewers); an error only when the catalog itself fails.
    Result<std::optional<storage::RecordingRow>> visible(const std::string& id);
    Result<std::vector<storage::RecordingRow>> visible_list();

    storage::Catalog& catalog_;
    const storage::Layout& layout_;
    std::mutex catalog_mutex_;
    AccessOptions access_;
};

} // namespace tafel::player::detail
