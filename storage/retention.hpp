#pragma once
// Retention (issue 9): every recording carries a delete-after date; a sweep (`tafel gc`, the
// timer of `tafel up`/`serve`) stamps new recordings with their context's default, deletes
// expired ones completely (storage::delete_everywhere) and nothing else, deletes raw
// captures once the lesson is published (unless kept), and refreshes the disk accounting.
// Time is passed in, so tests run it with a fake clock.
#include "core/error.hpp"
#include "core/retention_rule.hpp"
#include "storage/catalog.hpp"
#include "storage/layout.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tafel::storage {

struct RetentionPolicy {
    RetentionRule default_rule;                          // retention_default
    std::map<std::string, RetentionRule> per_context;    // retention_contexts
    bool keep_raw = false;

    // From the config's texts (core/retention_rule.hpp's syntax); errors name the field.
    static Result<RetentionPolicy> parse(std::string_view default_rule, std::string_view contexts, bool keep_raw);
    const RetentionRule& rule_for(const std::string& context) const;
    std::int64_t default_delete_after(const RecordingRow& row) const;
};

// Who asks to change a delete-after date: the recording's owner (a teacher) may only shorten
// it — down to now, deleting at the next sweep — an administrator may also extend it.
enum class RetentionRole { owner, admin };

// Sets the date after the rules above and audits it ("shortened" / "extended", with the old
// and new dates). invalid_argument naming the rule that was broken; not_found for no such
// recording.
Result<void> change_delete_after(Catalog& catalog, const std::string& id, std::int64_t delete_after_utc_us,
                                 RetentionRole role, const std::string& actor);

struct SweepReport {
    int stamped = 0;                         // got their default delete-after date
    std::vector<std::string> deleted;        // expired and deleted everywhere
    std::vector<std::string> raw_deleted;    // raw capture removed after publishing
    std::int64_t bytes_freed = 0;
    std::vector<std::string> errors;         // one per recording that could not be handled
};

// One pass at `now_utc_us`. Recordings still being recorded are never touched. A failure
// on one recording is reported and the pass goes on with the next.
Result<SweepReport> sweep(Catalog& catalog, const Layout& layout, const RetentionPolicy& policy,
                          std::int64_t now_utc_us);

} // namespace tafel::storage
