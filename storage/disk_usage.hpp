#pragma once
// Disk accounting (issue 9): raw and published bytes per recording, per context and in
// total, from the catalog (the retention sweep and the job runner keep the sizes current),
// and the same as Prometheus text for a /metrics endpoint.
#include "core/error.hpp"
#include "storage/catalog.hpp"

#include <cstdint>
#include <map>
#include <string>

namespace tafel::storage {

struct DiskUsage {
    std::int64_t recordings = 0;
    std::int64_t raw_bytes = 0;
    std::int64_t published_bytes = 0;
};

struct DiskReport {
    DiskUsage total;
    std::map<std::string, DiskUsage> per_context;
};

Result<DiskReport> disk_usage(Catalog& catalog);

// tafel_disk_bytes{kind="raw|published",context="…"} and tafel_recordings{context="…"}
// gauges, plus totals without the context label (Prometheus exposition format 0.0.4).
std::string disk_usage_metrics(const DiskReport& report);

} // namespace tafel::storage
