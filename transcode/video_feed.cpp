#include "transcode/video_feed.hpp"

#include "core/log.hpp"

#include <algorithm>

namespace tafel::transcode {

Result<bool> VideoFeed::advance_to(std::int64_t lesson_us) {
    bool changed = false;
    for (;;) {
        auto next = track.peek();
        if (!next) return std::unexpected(next.error());
        if (*next == nullptr || (*next)->lesson_us > lesson_us) break;
        // A buffer held by no one but `buffers` (not the current picture, not the compositor);
        // two or three per feed, reused from frame to frame.
        auto free = std::find_if(buffers.begin(), buffers.end(), [](const auto& b) { return b.use_count() == 1; });
        if (free == buffers.end()) free = buffers.insert(buffers.end(), std::make_shared<I420Frame>());
        auto got = decoder.decode((*next)->frame.data, **free);
        if (!got) return std::unexpected(got.error());
        track.pop();
        if (*got) {
            picture = *free;
            ++pictures;
            has_picture = true;
            changed = true;
        }
    }
    return changed;
}

Result<std::vector<VideoFeed>> open_video_feeds(const std::filesystem::path& raw_dir, const ingest::RecordingInfo& info,
                                                const LessonTimeline& timeline, const TrackOpener& opener,
                                                int decoder_threads) {
    std::vector<VideoFeed> feeds;
    for (const auto& t : info.tracks) {
        if (t.kind != ingest::MediaKind::video) continue;
        // Privacy by design: media of a participant who may never be recorded is never read.
        if (!timeline.ever_recordable(t.participant)) continue;
        auto codec = video_codec_from_name(t.codec);
        if (!codec) {
            log::get("transcode")->warn("recording {}: video track {} not shown: {}", info.id, t.id,
                                        codec.error().describe());
            continue;
        }
        auto track = TimedTrack::open(raw_dir, t, info, opener);
        if (!track) return std::unexpected(track.error());
        auto decoder = VideoDecoder::create(decoder_threads, *codec);
        if (!decoder) return std::unexpected(decoder.error());
        const bool screen = std::any_of(timeline.screenshares().begin(), timeline.screenshares().end(),
                                        [&](const ScreenShareSpan& s) { return s.track == t.id; });
        feeds.push_back(VideoFeed{std::move(*track), std::move(*decoder), t.participant, screen, {}, false, 0, {}});
    }
    return feeds;
}

} // namespace tafel::transcode
