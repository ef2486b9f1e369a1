// The VP8 depacketizer against a capture the project did not make: Membrane's encoder-made
// VP8 pcap and the IVF their depayloader produced from it (../shared/reference/rtp/README.md).
// The files are not shipped with tafel; the test reads them where the workspace has them and
// fails, saying so, where it does not — it never passes without having compared anything.
#include "ingest/capture_file.hpp"
#include "ingest/rtp_packet.hpp"
#include "ingest/sequence_unwrapper.hpp"
#include "ingest/vp8_depacketizer.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

using namespace tafel;
using namespace tafel::ingest;

namespace {

const std::filesystem::path k_reference_dir = std::filesystem::path(TAFEL_SOURCE_DIR) / ".." / "shared" / "reference" / "rtp";

struct IvfFrame {
    std::int64_t pts = 0;
    std::vector<std::uint8_t> data;
};

std::uint32_t le32(const std::uint8_t* p) {
    return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[3]} << 24);
}

// IVF: a 32-byte file header ("DKIF"), then per frame a 12-byte header (size, 64-bit pts).
std::vector<IvfFrame> read_ivf(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    const std::vector<std::uint8_t> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE(b.size() >= 32);
    REQUIRE(std::string(b.begin(), b.begin() + 4) == "DKIF");
    std::vector<IvfFrame> frames;
    std::size_t off = le32(&b[6]) & 0xffff;   // header length
    while (off + 12 <= b.size()) {
        const std::size_t n = le32(&b[off]);
        REQUIRE(off + 12 + n <= b.size());
        IvfFrame f;
        f.pts = static_cast<std::int64_t>(le32(&b[off + 4]) | (std::uint64_t{le32(&b[off + 8])} << 32));
        f.data.assign(b.begin() + static_cast<std::ptrdiff_t>(off + 12), b.begin() + static_cast<std::ptrdiff_t>(off + 12 + n));
        frames.push_back(std::move(f));
        off += 12 + n;
    }
    return frames;
}

} // namespace

TEST_CASE("VP8 depacketizer reproduces Membrane's reference IVF frame for frame", "[integration][ingest][vp8][reference]") {
    const auto pcap_path = k_reference_dir / "membrane-input_vp8.pcap";
    const auto ivf_path = k_reference_dir / "membrane-input_vp8.ivf";
    if (!std::filesystem::exists(pcap_path) || !std::filesystem::exists(ivf_path)) {
        FAIL("reference data missing: " << pcap_path.lexically_normal().string() << " and " << ivf_path.filename().string()
                                        << " are not in this workspace (they live in ../shared/, not in the project); "
                                           "nothing was compared");
    }
    auto capture = CaptureFile::open(pcap_path);
    REQUIRE(capture);
    Vp8Depacketizer depacketizer;
    SequenceUnwrapper sequences;
    TimestampUnwrapper timestamps;
    TrackStats stats;
    std::vector<EncodedFrame> frames;
    std::uint64_t packets = 0;
    for (;;) {
        auto d = capture->next();
        REQUIRE(d);
        if (!*d) break;
        auto rtp = RtpPacket::parse((*d)->payload);
        REQUIRE(rtp);
        CHECK(rtp->payload_type == 96);
        CHECK(rtp->ssrc == 0x62F601FFu);
        ++packets;
        const MediaPacket p{rtp->ssrc, sequences.unwrap(rtp->sequence_number), timestamps.unwrap(rtp->timestamp),
                            rtp->marker, ArrivalTime{(*d)->wall_ns}, rtp->payload};
        depacketizer.push(p, frames, stats);
    }
    depacketizer.finish(frames, stats);
    CHECK(packets == 410);

    const auto reference = read_ivf(ivf_path);
    REQUIRE(reference.size() == 300);
    REQUIRE(frames.size() == reference.size());
    CHECK(stats.frames_dropped == 0);
    CHECK(stats.malformed == 0);
    int keyframes = 0;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        INFO("frame " << i);
        REQUIRE(frames[i].data.size() == reference[i].data.size());
        CHECK(frames[i].data == reference[i].data);
        // 30 fps: 3000 ticks of the 90 kHz clock per IVF frame-rate unit.
        CHECK(frames[i].rtp_timestamp - frames[0].rtp_timestamp == (reference[i].pts - reference[0].pts) * 3000);
        if (frames[i].keyframe) ++keyframes;
    }
    CHECK(keyframes == 3);
}
