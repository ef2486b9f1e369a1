#pragma once
// Brings the compositor up to date for one lesson time: slide (with pan/zoom) or screen
// share, the page's whiteboard and the cursor, the webcam tiles (current speaker first, up
// to the layout's maximum, initials when a camera is off), the poll card and the chat
// panel. Participants who are not recordable at that time appear nowhere (issue 5 item
// 6): no tile, no screen share, no picture; their chat lines are already pseudonymised.
#include "core/error.hpp"
#include "ingest/raw_recording.hpp"
#include "transcode/chat_panel.hpp"
#include "transcode/compositor.hpp"
#include "transcode/lesson_timeline.hpp"
#include "transcode/slide_renderer.hpp"
#include "transcode/timed_track.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

namespace tafel::transcode {

struct VideoFeed;

class LessonScene {
public:
    // Opens the video tracks (webcams, screen shares) of `raw_dir`. All references must
    // outlive the scene. `chat` holds the lines in output time order, counted by the
    // timeline's chat_count_at.
    static Result<std::unique_ptr<LessonScene>> create(const std::filesystem::path& raw_dir,
                                                       const ingest::RecordingInfo& info,
                                                       const LessonTimeline& timeline, const TrackOpener& opener,
                                                       int decoder_threads, Compositor& compositor,
                                                       std::span<const ChatLine> chat);
    ~LessonScene();
    LessonScene(const LessonScene&) = delete;
    LessonScene& operator=(const LessonScene&) = delete;

    // Updates everything for `lesson_us`; true when the picture changed as a scene (slide
    // change, screen share on or off): the encoders start a keyframe there.
    Result<bool> update(std::int64_t lesson_us);

    int slide_changes() const { return slide_changes_; }
    std::uint64_t pictures() const; // video pictures decoded (webcams and screen shares)
    std::size_t video_tracks() const;

private:
    LessonScene(const ingest::RecordingInfo& info, const LessonTimeline& timeline, Compositor& compositor,
                std::vector<VideoFeed> video, std::span<const ChatLine> chat);

    Result<void> update_slide(std::int64_t lesson_us, bool& scene_change);
    Result<void> update_tiles(std::int64_t lesson_us);

    const ingest::RecordingInfo& info_;
    const LessonTimeline& timeline_;
    Compositor& compositor_;
    std::vector<VideoFeed> video_;
    std::span<const ChatLine> chat_;
    SlideRenderer slides_;

    bool first_ = true;
    const SlideChange* shown_slide_ = nullptr;
    SlideView shown_view_;
    const VideoFeed* shown_screen_ = nullptr;
    std::uint64_t shown_screen_picture_ = 0; // shown_screen_->pictures when it was last given to the compositor
    const WhiteboardPage* board_ = nullptr;
    std::size_t board_version_ = 0;
    const PollCard* shown_poll_ = nullptr;
    std::size_t shown_chat_ = 0;
    std::vector<TileSpec> tiles_;
    int slide_changes_ = 0;
};

} // namespace tafel::transcode
