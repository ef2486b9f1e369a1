#pragma once
// Maps a request to a reply: the pages, media files, JSON API, assets and /healthz. Free of
// Beast so that every route is testable without a socket; blocking work here is bounded
// (one catalog query, one manifest read, one open()).
#include "player/detail/reply.hpp"
#include "storage/catalog.hpp"
#include "storage/layout.hpp"

#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace tafel::player::detail {

class Router {
public:
    // Both must outlive the router.
    Router(storage::Catalog& catalog, const storage::Layout& layout)
        : catalog_(catalog), layout_(layout) {}

    // Thread-safe: catalog calls are serialised by one mutex.
    Reply handle(const Request& request);

private:
    Reply route(const Request& request);
    Reply home();
    Reply playback(const std::string& id);
    Reply media(const Request& request, const std::string& id, const std::string& name);
    Reply api_list();
    Reply api_one(const std::string& id);
    Reply asset(const Request& request, const std::string& name);

    // A recording viewers may see: published in the catalog and present on disk. Unknown,
    // unpublished and half-there recordings are all std::nullopt (they do not exist for
    // viewers); an error only when the catalog itself fails.
    Result<std::optional<storage::RecordingRow>> visible(const std::string& id);
    Result<std::vector<storage::RecordingRow>> visible_list();

    storage::Catalog& catalog_;
    const storage::Layout& layout_;
    std::mutex catalog_mutex_;
};

} // namespace tafel::player::detail
