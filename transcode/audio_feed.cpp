#include "transcode/audio_feed.hpp"

#include "core/log.hpp"

#include <algorithm>
#include <strings.h>

namespace tafel::transcode {

namespace {

bool iequals(const std::string& a, const char* b) { return strcasecmp(a.c_str(), b) == 0; }

} // namespace

Result<void> AudioFeed::feed(std::int64_t end_sample, AudioMixer& mixer,
                             const std::function<bool(std::int64_t)>& audible) {
    for (;;) {
        auto next = track.peek();
        if (!next) return std::unexpected(next.error());
        if (*next == nullptr || (*next)->lesson_samples >= end_sample) return {};
        samples.clear();
        // Decoded even when muted: Opus carries state from packet to packet.
        auto decoded = decoder.decode((*next)->frame.data, samples);
        if (!decoded) return std::unexpected(decoded.error());
        if (audible((*next)->lesson_us)) {
            mixer.add((*next)->lesson_samples, samples);
        } else {
            ++muted_packets;
        }
        track.pop();
    }
}

Result<std::vector<AudioFeed>> open_audio_feeds(const std::filesystem::path& raw_dir, const ingest::RecordingInfo& info,
                                                const LessonTimeline& timeline, const TrackOpener& opener) {
    std::vector<AudioFeed> feeds;
    for (const auto& t : info.tracks) {
        if (t.kind != ingest::MediaKind::audio) continue;
        if (!timeline.ever_recordable(t.participant)) continue;
        if (!iequals(t.codec, "opus")) {
            log::get("transcode")->warn("recording {}: audio track {} has codec {} (only Opus is decoded)", info.id,
                                        t.id, t.codec);
            continue;
        }
        auto track = TimedTrack::open(raw_dir, t, info, opener);
        if (!track) return std::unexpected(track.error());
        auto decoder = AudioDecoder::create(t.channels);
        if (!decoder) return std::unexpected(decoder.error());
        feeds.push_back(AudioFeed{std::move(*track), std::move(*decoder), t.participant, {}, 0});
    }
    return feeds;
}

} // namespace tafel::transcode
