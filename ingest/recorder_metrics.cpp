#include "ingest/recorder_metrics.hpp"

#include "ingest/session.hpp"

#include <fmt/format.h>

#include <functional>
#include <iterator>
#include <vector>

namespace tafel::ingest {

namespace {

// Prometheus label values escape backslash, double quote and newline.
std::string escape(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\' || c == '"') out.push_back('\\');
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out.push_back(c);
    }
    return out;
}

// Microseconds as decimal seconds without going through double (STYLE.md "Time").
std::string seconds_from_us(std::int64_t us) {
    return fmt::format("{}{}.{:06}", us < 0 ? "-" : "", (us < 0 ? -us : us) / 1'000'000, (us < 0 ? -us : us) % 1'000'000);
}

struct StreamRow {
    std::string labels;   // session="…",track="…"
    StreamStatus status;
};

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void per_stream(std::string& out, const std::vector<StreamRow>& rows, std::string_view name, std::string_view type,
                std::string_view help, const std::function<std::string(const ReceiverStats&)>& value) {
    family(out, name, type, help);
    for (const auto& r : rows) fmt::format_to(std::back_inserter(out), "{}{{{}}} {}\n", name, r.labels, value(r.status.stats));
}

} // namespace

std::string prometheus_metrics(std::span<const Session* const> sessions) {
    std::string out;
    std::vector<StreamRow> rows;
    family(out, "tafel_recorder_session_state", "gauge", "1 for the session's current state");
    for (const Session* s : sessions) {
        const std::string id = escape(s->id());
        for (std::string_view state : {"recording", "degraded", "stopped"}) {
            fmt::format_to(std::back_inserter(out), "tafel_recorder_session_state{{session=\"{}\",state=\"{}\"}} {}\n", id,
                           state, s->state_name() == state ? 1 : 0);
        }
        for (auto& st : s->streams()) {
            rows.push_back(StreamRow{fmt::format("session=\"{}\",track=\"{}\",recorded=\"{}\"", id, escape(st.track),
                                                 st.recorded ? "true" : "false"),
                                     std::move(st)});
        }
    }
    using S = const ReceiverStats&;
    per_stream(out, rows, "tafel_recorder_stream_packets_total", "counter", "datagrams written (RTP and RTCP)",
               [](S s) { return fmt::to_string(s.packets); });
    per_stream(out, rows, "tafel_recorder_stream_bytes_total", "counter", "bytes of the datagrams written",
               [](S s) { return fmt::to_string(s.bytes); });
    per_stream(out, rows, "tafel_recorder_stream_rtcp_packets_total", "counter", "RTCP compounds written",
               [](S s) { return fmt::to_string(s.rtcp_packets); });
    per_stream(out, rows, "tafel_recorder_stream_lost_packets", "gauge",
               "RTP packets expected but not received (RFC 3550 A.3); falls when late packets arrive",
               [](S s) { return fmt::to_string(s.rtp.lost()); });
    per_stream(out, rows, "tafel_recorder_stream_reordered_total", "counter", "RTP packets older than the newest seen",
               [](S s) { return fmt::to_string(s.rtp.reordered()); });
    per_stream(out, rows, "tafel_recorder_stream_duplicates_total", "counter", "RTP packets received twice",
               [](S s) { return fmt::to_string(s.rtp.duplicates()); });
    per_stream(out, rows, "tafel_recorder_stream_jitter_seconds", "gauge", "interarrival jitter (RFC 3550 A.8)",
               [](S s) { return seconds_from_us(s.rtp.jitter_us()); });
    per_stream(out, rows, "tafel_recorder_stream_plis_sent_total", "counter",
               "RTCP PLI keyframe requests sent to the sender (RFC 4585 6.3.1)",
               [](S s) { return fmt::to_string(s.plis_sent); });
    family(out, "tafel_recorder_stream_dropped_total", "counter", "datagrams not written, by reason");
    for (const auto& r : rows) {
        const auto& s = r.status.stats;
        for (std::size_t i = 0; i < k_drop_reasons; ++i) {
            fmt::format_to(std::back_inserter(out), "tafel_recorder_stream_dropped_total{{{},reason=\"{}\"}} {}\n", r.labels,
                           to_string(static_cast<DropReason>(i)), s.dropped[i]);
        }
        fmt::format_to(std::back_inserter(out), "tafel_recorder_stream_dropped_total{{{},reason=\"not_recordable\"}} {}\n",
                       r.labels, s.not_recordable);
        fmt::format_to(std::back_inserter(out), "tafel_recorder_stream_dropped_total{{{},reason=\"write_error\"}} {}\n",
                       r.labels, s.write_errors);
    }
    return out;
}

} // namespace tafel::ingest
