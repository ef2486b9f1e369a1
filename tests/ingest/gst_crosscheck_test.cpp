// Cross-check against GStreamer's depayloaders (issue 4, "Must show"): GStreamer encodes and
// payloads a clip (the way the project's simulator sends its media), one tee branch writes
// every RTP packet to a file (rtpstreampay: RFC 4571 framing, a 16-bit length per packet —
// the payloaders push buffer lists, which multifilesink would glue together), the other runs GStreamer's own depayloader (rtpvp8depay,
// rtpvp9depay, rtph264depay) and writes every frame it outputs. Our depacketizer, fed the
// very same packets, must give the same frames with the same bytes. gst-launch-1.0 is a
// checker here; the product never runs it.
#include "ingest/h264_depacketizer.hpp"
#include "ingest/rtp_packet.hpp"
#include "ingest/sequence_unwrapper.hpp"
#include "ingest/vp8_depacketizer.hpp"
#include "ingest/vp9_depacketizer.hpp"
#include "tests/support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <span>

using namespace tafel;
using namespace tafel::ingest;
namespace fs = std::filesystem;

namespace {

std::vector<std::uint8_t> read_all(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<fs::path> sorted_files(const fs::path& dir) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files;
}

struct Case {
    const char* name;
    const char* encode;  // raw video → encoded, gst-launch syntax
    const char* pay;
    const char* depay;   // with the caps that make it output whole frames / access units
    // rtph264depay (byte-stream output) puts the parameter sets of its caps (sprop-parameter-
    // sets) in front of the first access unit once more; the stream itself carries them too.
    bool first_gets_parameter_sets = false;
};

// True when `prefix` is nothing but Annex B SPS (7) and PPS (8) NAL units.
bool only_parameter_sets(std::span<const std::uint8_t> prefix) {
    std::size_t i = 0;
    int units = 0;
    while (i + 4 < prefix.size()) {
        if (!(prefix[i] == 0 && prefix[i + 1] == 0 && prefix[i + 2] == 0 && prefix[i + 3] == 1)) return false;
        const int type = prefix[i + 4] & 0x1f;
        if (type != 7 && type != 8) return false;
        ++units;
        i += 5;
        while (i + 3 < prefix.size() && !(prefix[i] == 0 && prefix[i + 1] == 0 && prefix[i + 2] == 0 && prefix[i + 3] == 1)) ++i;
        if (i + 3 >= prefix.size()) i = prefix.size();
    }
    return units > 0 && i == prefix.size();
}

void cross_check(const Case& c, Depacketizer& ours) {
    tafel::test::TempDir dir(std::string("tafel-gst-") + c.name);
    const auto pkt = dir.path() / "pkt", frm = dir.path() / "frm";
    fs::create_directories(pkt);
    fs::create_directories(frm);
    const std::string cmd = fmt::format(
        "timeout 120 gst-launch-1.0 -q videotestsrc num-buffers=60 pattern=snow ! "
        "video/x-raw,width=320,height=240,framerate=15/1 ! {} ! {} ! tee name=t "
        "t. ! queue ! rtpstreampay ! filesink location={}/packets.rfc4571 t. ! queue ! {} ! multifilesink location={}/%05d.bin",
        c.encode, c.pay, pkt.string(), c.depay, frm.string());
    INFO(cmd);
    REQUIRE(std::system(cmd.c_str()) == 0);

    SequenceUnwrapper seq;
    TimestampUnwrapper ts;
    TrackStats stats;
    std::vector<EncodedFrame> frames;
    std::vector<std::vector<std::uint8_t>> datagrams;
    const auto stream = read_all(pkt / "packets.rfc4571");
    for (std::size_t off = 0; off + 2 <= stream.size();) {
        const std::size_t n = (std::size_t{stream[off]} << 8) | stream[off + 1];
        REQUIRE(off + 2 + n <= stream.size());
        datagrams.emplace_back(stream.begin() + static_cast<std::ptrdiff_t>(off + 2),
                               stream.begin() + static_cast<std::ptrdiff_t>(off + 2 + n));
        off += 2 + n;
    }
    REQUIRE(datagrams.size() > 60); // frames span several packets
    for (const auto& d : datagrams) {
        auto rtp = RtpPacket::parse(d);
        REQUIRE(rtp);
        MediaPacket p{rtp->ssrc, seq.unwrap(rtp->sequence_number), ts.unwrap(rtp->timestamp), rtp->marker, ArrivalTime{}, rtp->payload};
        ours.push(p, frames, stats);
    }
    ours.finish(frames, stats);

    const auto reference = sorted_files(frm);
    INFO(fmt::format("{}: {} packets, ours {} frames, GStreamer {} frames", c.name, datagrams.size(), frames.size(),
                     reference.size()));
    CHECK(stats.frames_dropped == 0);
    REQUIRE(frames.size() == reference.size());
    REQUIRE(frames.size() == 60);
    int keyframes = 0;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        INFO("frame " << i);
        const auto theirs = read_all(reference[i]);
        if (i == 0 && c.first_gets_parameter_sets && theirs.size() > frames[i].data.size()) {
            const std::size_t extra = theirs.size() - frames[i].data.size();
            CHECK(std::equal(frames[i].data.begin(), frames[i].data.end(), theirs.begin() + static_cast<std::ptrdiff_t>(extra)));
            CHECK(only_parameter_sets(std::span(theirs).first(extra)));
            continue;
        }
        CHECK(frames[i].data == theirs);
        keyframes += frames[i].keyframe ? 1 : 0;
    }
    // keyframe-max-dist / key-int-max 20: the encoder places at least one more after the first.
    CHECK(frames.front().keyframe);
    CHECK(keyframes >= 2);
}

} // namespace

TEST_CASE("gst cross-check: VP8 frames equal rtpvp8depay's", "[integration][ingest][gstreamer]") {
    Vp8Depacketizer d;
    cross_check({"vp8", "vp8enc deadline=1 keyframe-max-dist=20 target-bitrate=1500000",
                 "rtpvp8pay mtu=500 picture-id-mode=15-bit", "rtpvp8depay"}, d);
}

TEST_CASE("gst cross-check: VP9 frames equal rtpvp9depay's", "[integration][ingest][gstreamer]") {
    Vp9Depacketizer d;
    cross_check({"vp9", "vp9enc deadline=1 keyframe-max-dist=20 target-bitrate=1500000 cpu-used=8",
                 "rtpvp9pay mtu=500", "rtpvp9depay"}, d);
}

TEST_CASE("gst cross-check: H.264 access units equal rtph264depay's", "[integration][ingest][gstreamer]") {
    H264Depacketizer d;
    cross_check({"h264", "x264enc bframes=0 key-int-max=20 speed-preset=ultrafast bitrate=1500 ! video/x-h264,profile=constrained-baseline",
                 "rtph264pay mtu=500 config-interval=-1",
                 "rtph264depay ! video/x-h264,stream-format=byte-stream,alignment=au", true}, d);
}
