// Loss test (issue 4, "Must show"): 5 % of the camera's RTP packets are lost on the way.
// Everything the pipeline passes to the decoder decodes without a single error, and every
// picture is bit-identical to the decode of the same frame from the loss-free stream — a
// damaged picture would differ — and decoding resumes at exactly the frames a correct
// receiver can decode: a delivered keyframe and its unbroken chain of delivered frames.
#include "sync_lesson.hpp"

#include "ingest/raw_recording.hpp"
#include "transcode/timed_track.hpp"
#include "transcode/video_decoder.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <set>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace tafel;

namespace {

// FNV-1a over the visible pixels of all three planes.
std::uint64_t picture_hash(const transcode::I420Frame& f) {
    std::uint64_t h = 1469598103934665603ull;
    const auto rows = [&](const std::vector<std::uint8_t>& plane, int stride, int w, int rows_n) {
        for (int r = 0; r < rows_n; ++r) {
            for (int c = 0; c < w; ++c) {
                h ^= plane[static_cast<std::size_t>(r) * static_cast<std::size_t>(stride) + static_cast<std::size_t>(c)];
                h *= 1099511628211ull;
            }
        }
    };
    rows(f.y, f.stride_y, f.width, f.height);
    rows(f.u, f.stride_uv, f.chroma_width(), f.chroma_height());
    rows(f.v, f.stride_uv, f.chroma_width(), f.chroma_height());
    return h;
}

} // namespace

TEST_CASE("sync: with 5 % video loss the decoder sees no damaged frame and resumes at the next keyframe",
          "[e2e][sync][loss]") {
    const fs::path work = fs::path(TAFEL_BINARY_DIR) / "e2e" / fmt::format("sync-loss-{}", ::getpid());
    fs::remove_all(work);
    test::SyncLessonOptions o;
    o.duration_ms = 40'000;
    o.video_loss = 0.05;
    o.jitter_ms = 30;
    o.reorder_share = 0.02;
    o.reorder_max = 10;
    o.seed = 5;
    const auto lesson = test::write_sync_lesson(work, o, /*keep_video_frames=*/true);
    REQUIRE(lesson.lost > 0);

    // The reference: every sent frame decoded from the loss-free stream.
    std::map<std::uint32_t, std::uint64_t> reference;
    {
        auto decoder = transcode::VideoDecoder::create();
        REQUIRE(decoder.has_value());
        transcode::I420Frame picture;
        for (const auto& f : lesson.video_frames) {
            auto got = decoder->decode(f.data, picture);
            REQUIRE(got.has_value());
            REQUIRE(*got);
            reference[f.rtp_timestamp] = picture_hash(picture);
        }
    }
    // What a correct receiver can decode: a delivered keyframe and every following frame up
    // to the first one that lost a packet.
    std::set<std::uint32_t> decodable;
    bool chain = false;
    for (const auto& f : lesson.video_frames) {
        if (!f.delivered) chain = false;
        else if (f.keyframe) chain = true;
        if (chain) decodable.insert(f.rtp_timestamp);
    }
    REQUIRE(decodable.size() < lesson.video_frames.size());

    auto info = ingest::read_recording_info(lesson.dir);
    REQUIRE(info.has_value());
    auto track = transcode::TimedTrack::open(lesson.dir, info->tracks.at(0), *info, &ingest::TrackReader::open);
    REQUIRE(track.has_value());
    auto decoder = transcode::VideoDecoder::create();
    REQUIRE(decoder.has_value());
    transcode::I420Frame picture;
    std::set<std::uint32_t> decoded;
    int damaged = 0;
    for (;;) {
        auto next = track->peek();
        REQUIRE(next.has_value());
        if (*next == nullptr) break;
        const auto ts = static_cast<std::uint32_t>((*next)->frame.rtp_timestamp);
        auto got = decoder->decode((*next)->frame.data, picture);
        REQUIRE(got.has_value());
        if (*got) {
            decoded.insert(ts);
            if (picture_hash(picture) != reference.at(ts)) ++damaged;
        }
        track->pop();
    }
    const auto& stats = decoder->stats();
    INFO(fmt::format("{} frames sent, {} RTP packets of which {} lost; {} decodable, {} passed to the decoder, {} decoded",
                     lesson.video_frames.size(), lesson.rtp_packets, lesson.lost, decodable.size(), stats.frames_in,
                     decoded.size()));
    CHECK(stats.corrupt == 0);
    CHECK(stats.dropped_before_keyframe == 0);
    CHECK(stats.frames_in == decoded.size()); // nothing passed to it was skipped
    CHECK(damaged == 0);
    CHECK(decoded == decodable);
    fs::remove_all(work);
}
