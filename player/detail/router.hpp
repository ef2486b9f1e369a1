#pragma once
// Maps a request to a reply: the pages, media files, JSON API, owners' actions, BBB's API,
// assets, /metrics and /healthz. Free of
// Beast so that every route is testable without a socket; blocking work here is bounded
// (one catalog query, one manifest read, one open()).
#include "player/detail/metrics.hpp"
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
    // Deletes one recording everywhere (files and catalog row); empty = Layout::remove and
    // then Catalog::delete_recording.
    std::function<Result<void>(const std::string& id)> delete_recording;
};

class Router {
public:
    // Both must outlive the router.
    Router(storage::Catalog& catalog, const storage::Layout& layout, AccessOptions access = {});

    // Thread-safe: catalog calls are serialised by one mutex.
    Reply handle(const Request& request);

    // Counted by the connections, shown by /metrics.
    Metrics& metrics() { return metrics_; }

private:
    Reply route(const Request& request);
    // What a request may do with one recording.
    struct Access {
        bool allowed = false;
        bool owner = false;      // may download
        bool manage = false;     // may publish, unpublish, rename, shorten retention, delete
                                 // (an owner's signed grant; never under open access)
        std::string set_cookie;  // a session to start (the page was opened with ?token=)
        std::string reason;      // why not, for the 403 text
    };
    Access access(const Request& request, const std::string& query, const std::string& id, bool page);

    Reply home(Lang lang);
    Reply playback(const std::string& id, Lang lang, const Access& access);
    Reply media(const Request& request, const std::string& id, const std::string& name, const Access& access);
    Reply download(const Request& request, const std::string& id, const Access& access);
    // One file of the growing HLS audio stream (router_stream.cpp).
    Reply stream(const Request& request, const std::string& id, const std::string& name, const Access& access);
    Reply api_list();
    Reply api_one(const std::string& id, const Access& access);
    Reply asset(const Request& request, const std::string& name);
    Reply metrics_page();
    Reply bbb(const Request& request, const std::string& call, const std::string& query);

    // Owners' actions (router_manage.cpp): "publish", "unpublish", "delete", "update" (JSON
    // body: "title", "delete_after_utc_us").
    Reply manage(const Request& request, const std::string& id, const std::string& action, const Access& access);

    // A recording this request may see: for viewers published, not past its delete-after
    // date and present on disk; owners also see their unpublished ones. Unknown, hidden and
    // half-there recordings are all std::nullopt (they do not exist for the asker); an error
    // only when the catalog itself fails.
    Result<std::optional<storage::RecordingRow>> visible(const std::string& id, bool owner = false);
    Result<std::vector<storage::RecordingRow>> visible_list();
    // Viewers may see it: published, or its audio-only part is (progressive publishing).
    static bool playable(const storage::RecordingRow& row);
    bool expired(const storage::RecordingRow& row) const;

    // Deletes everything of one recording (AccessOptions::delete_recording).
    Result<void> delete_everywhere(const std::string& id, const std::string& actor);
    // Appends to the catalog's audit log when it keeps one (issue 9); a failure is logged,
    // never fatal to the action that already happened.
    void audit(const std::string& actor, const std::string& action, const std::string& id,
               const std::string& details = "{}");

    storage::Catalog& catalog_;
    const storage::Layout& layout_;
    std::mutex catalog_mutex_;
    AccessOptions access_;
    Metrics metrics_;
};

} // namespace tafel::player::detail
