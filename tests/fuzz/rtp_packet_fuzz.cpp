// libFuzzer target: one datagram through the RTP parser (RFC 3550 5.1) and the rtcp-mux
// demultiplexer (RFC 5761 4). A parsed packet's parts must lie inside the datagram and add
// up to its size.
#include "fuzz_check.hpp"
#include "ingest/rtp_packet.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const tafel::ingest::Bytes datagram(data, size);
    (void)tafel::ingest::looks_like_rtcp(datagram);
    auto packet = tafel::ingest::RtpPacket::parse(datagram);
    if (!packet) {
        TAFEL_FUZZ_CHECK(!packet.error().message.empty());
        return 0;
    }
    const auto& p = *packet;
    TAFEL_FUZZ_CHECK(p.version == 2);
    TAFEL_FUZZ_CHECK(p.csrc_count <= 15);
    TAFEL_FUZZ_CHECK(p.payload.size() <= size);
    if (!p.payload.empty()) {
        TAFEL_FUZZ_CHECK(p.payload.data() >= data && p.payload.data() + p.payload.size() <= data + size);
    }
    std::size_t header = 12 + 4 * std::size_t{p.csrc_count};
    if (p.header_extension) {
        TAFEL_FUZZ_CHECK(p.header_extension->data.size() % 4 == 0);
        TAFEL_FUZZ_CHECK(p.header_extension->data.empty() || (p.header_extension->data.data() >= data &&
                         p.header_extension->data.data() + p.header_extension->data.size() <= data + size));
        header += 4 + p.header_extension->data.size();
    }
    TAFEL_FUZZ_CHECK(header + p.payload.size() + p.padding_size == size);
    TAFEL_FUZZ_CHECK(!p.padding || p.padding_size >= 1);
    return 0;
}
