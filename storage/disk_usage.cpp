#include "storage/disk_usage.hpp"

#include <fmt/format.h>

namespace tafel::storage {

namespace {

// Label values escape backslash, double quote and newline (exposition format, "Comments,
// help text, and type information" / label values).
std::string label(const std::string& value) {
    std::string out;
    for (char c : value) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

} // namespace

Result<DiskReport> disk_usage(Catalog& catalog) {
    auto rows = catalog.list_recordings();
    if (!rows) return std::unexpected(rows.error());
    DiskReport report;
    for (const RecordingRow& row : *rows) {
        for (DiskUsage* u : {&report.total, &report.per_context[row.context]}) {
            ++u->recordings;
            u->raw_bytes += row.raw_bytes;
            u->published_bytes += row.published_bytes;
        }
    }
    return report;
}

std::string disk_usage_metrics(const DiskReport& report) {
    std::string out;
    out += "# HELP tafel_disk_bytes Bytes on disk of recordings (raw captures, published lessons).\n";
    out += "# TYPE tafel_disk_bytes gauge\n";
    out += fmt::format("tafel_disk_bytes{{kind=\"raw\"}} {}\n", report.total.raw_bytes);
    out += fmt::format("tafel_disk_bytes{{kind=\"published\"}} {}\n", report.total.published_bytes);
    for (const auto& [context, u] : report.per_context) {
        out += fmt::format("tafel_disk_bytes{{kind=\"raw\",context=\"{}\"}} {}\n", label(context), u.raw_bytes);
        out += fmt::format("tafel_disk_bytes{{kind=\"published\",context=\"{}\"}} {}\n", label(context),
                           u.published_bytes);
    }
    out += "# HELP tafel_recordings Recordings in the catalog.\n";
    out += "# TYPE tafel_recordings gauge\n";
    out += fmt::format("tafel_recordings {}\n", report.total.recordings);
    for (const auto& [context, u] : report.per_context)
        out += fmt::format("tafel_recordings{{context=\"{}\"}} {}\n", label(context), u.recordings);
    return out;
}

} // namespace tafel::storage
