// libFuzzer target: one datagram through the compound RTCP parser (RFC 3550 6.1, A.2). What
// it returns must be bounded by what the datagram can hold.
#include "fuzz_check.hpp"
#include "ingest/rtcp_packet.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto compound = tafel::ingest::RtcpCompound::parse(tafel::ingest::Bytes(data, size));
    if (!compound) {
        TAFEL_FUZZ_CHECK(!compound.error().message.empty());
        return 0;
    }
    // RFC 3550 6.4.1: an SR is 28 bytes plus 24 per report block; an RR 8 plus 24 per block.
    std::size_t bytes = 0;
    for (const auto& sr : compound->sender_reports) bytes += 28 + 24 * sr.reports.size();
    for (const auto& rr : compound->receiver_reports) bytes += 8 + 24 * rr.reports.size();
    for (const auto& c : compound->cnames) bytes += c.cname.size();   // each at most 255 (6.5)
    for (const auto& bye : compound->byes) bytes += 4 * bye.ssrcs.size() + bye.reason.size();
    TAFEL_FUZZ_CHECK(bytes <= size);
    for (const auto& c : compound->cnames) TAFEL_FUZZ_CHECK(c.cname.size() <= 255);
    TAFEL_FUZZ_CHECK(compound->other_packets >= 0);
    return 0;
}
