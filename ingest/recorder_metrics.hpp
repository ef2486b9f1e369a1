#pragma once
// The recorder's Prometheus metrics (text exposition format 0.0.4): per stream packets,
// bytes, RTCP packets, lost, reordered, duplicates, jitter (RFC 3550 A.8), PLIs sent and
// drops by reason; per session its state. Served as GET /metrics on the control port.
#include <span>
#include <string>
#include <string_view>

namespace tafel::ingest {

class Session;

inline constexpr std::string_view k_prometheus_content_type = "text/plain; version=0.0.4; charset=utf-8";

std::string prometheus_metrics(std::span<const Session* const> sessions);

} // namespace tafel::ingest
