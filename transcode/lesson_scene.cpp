#include "transcode/lesson_scene.hpp"

#include "core/log.hpp"
#include "transcode/poll_card.hpp"
#include "transcode/video_feed.hpp"

#include <algorithm>

namespace tafel::transcode {

LessonScene::LessonScene(const ingest::RecordingInfo& info, const LessonTimeline& timeline, Compositor& compositor,
                         std::vector<VideoFeed> video, std::span<const ChatLine> chat)
    : info_(info), timeline_(timeline), compositor_(compositor), video_(std::move(video)), chat_(chat) {}

LessonScene::~LessonScene() = default;

std::size_t LessonScene::video_tracks() const { return video_.size(); }

std::uint64_t LessonScene::pictures() const {
    std::uint64_t n = 0;
    for (const auto& f : video_) n += f.pictures;
    return n;
}

Result<std::unique_ptr<LessonScene>> LessonScene::create(const std::filesystem::path& raw_dir,
                                                         const ingest::RecordingInfo& info,
                                                         const LessonTimeline& timeline, const TrackOpener& opener,
                                                         int decoder_threads, Compositor& compositor,
                                                         std::span<const ChatLine> chat) {
    auto video = open_video_feeds(raw_dir, info, timeline, opener, decoder_threads);
    if (!video) return std::unexpected(video.error());
    return std::unique_ptr<LessonScene>(new LessonScene(info, timeline, compositor, std::move(*video), chat));
}

Result<void> LessonScene::update_slide(std::int64_t t, bool& scene_change) {
    const LessonLayout& layout = compositor_.layout();
    if (layout.slide.empty()) return {};
    // Screen share replaces the slide while active, if its sharer may be recorded now.
    const VideoFeed* screen = nullptr;
    if (const ScreenShareSpan* share = timeline_.screenshare_at(t);
        share != nullptr && timeline_.recordable_at(share->participant, t)) {
        for (auto& f : video_) {
            if (f.screen && f.track.track().id == share->track && f.has_picture) screen = &f;
        }
    }
    // A new screen picture arrives at the sharer's rate (5 fps in the standard lesson), not
    // at the output's: only a new one is handed over, else every output frame would copy,
    // rescale and re-compare the whole slide area for a picture that did not change.
    if (screen != shown_screen_) {
        scene_change = true;
        shown_screen_ = screen;
        if (screen == nullptr) compositor_.clear_screen();
        else
            compositor_.set_screen(screen->picture);
    } else if (screen != nullptr && screen->pictures != shown_screen_picture_) {
        compositor_.set_screen(screen->picture);
    }
    if (screen != nullptr) shown_screen_picture_ = screen->pictures;

    const SlideChange* s = timeline_.slide_at(t);
    const SlideView view = timeline_.view_at(t);
    if (s != shown_slide_ || view != shown_view_ || first_) {
        if (s != shown_slide_) {
            ++slide_changes_;
            scene_change = scene_change || screen == nullptr;
        }
        shown_slide_ = s;
        shown_view_ = view;
        PageMapping mapping{layout.slide, view};
        if (s == nullptr) {
            compositor_.set_slide(nullptr);
        } else if (auto image = slides_.render(s->pdf, s->page, layout.slide.w, layout.slide.h, view); image) {
            compositor_.set_slide(*image);
            if (auto size = slides_.page_size(s->pdf, s->page); size) {
                mapping.content = page_rect_in(layout.slide, size->first, size->second, view);
            }
        } else {
            log::get("transcode")->warn("recording {}: slide {} page {} at {} ms not shown: {}", info_.id, s->deck,
                                        s->page, s->lesson_us / 1000, image.error().describe());
            compositor_.set_slide(nullptr);
        }
        compositor_.set_page_mapping(mapping);
        board_ = s == nullptr ? nullptr : timeline_.whiteboard(s->deck, s->page);
        board_version_ = static_cast<std::size_t>(-1);
    }
    const std::size_t version = board_ == nullptr ? 0 : board_->version_at(t);
    if (version != board_version_) {
        board_version_ = version;
        compositor_.set_shapes(board_ == nullptr ? std::vector<Shape>{} : board_->shapes_at(t));
    }
    compositor_.set_cursor(s == nullptr ? CursorState{} : timeline_.cursor_at(t));
    return {};
}

Result<void> LessonScene::update_tiles(std::int64_t t) {
    const LessonLayout& layout = compositor_.layout();
    if (layout.max_tiles() == 0) return {};
    // Who has a camera picture to show now (events decide when present, else the track).
    const auto camera_on = [&](const VideoFeed& f) {
        return !f.screen && f.has_picture && timeline_.webcam_on(f.participant, t).value_or(true);
    };
    // Candidates in order: talking (latest first), moderators, cameras on; each once.
    std::vector<std::string> order = timeline_.talking_at(t);
    for (const auto& p : info_.participants) {
        if (p.role == ingest::Role::moderator) order.push_back(p.id);
    }
    for (const auto& f : video_) {
        if (camera_on(f)) order.push_back(f.participant);
    }
    std::vector<TileSpec> specs;
    for (const auto& pid : order) {
        if (static_cast<int>(specs.size()) >= layout.max_tiles()) break;
        if (!timeline_.recordable_at(pid, t)) continue;
        if (std::any_of(specs.begin(), specs.end(), [&](const TileSpec& s) { return s.key == pid; })) continue;
        const ingest::Participant* p = info_.participant(pid);
        specs.push_back(TileSpec{pid, p != nullptr ? p->name : pid, tile_colour(pid)});
    }
    const bool tiles_changed = specs != tiles_;
    if (tiles_changed) {
        tiles_ = specs;
        compositor_.set_tiles(specs);
    }
    return {};
}

Result<bool> LessonScene::update(std::int64_t t) {
    bool scene_change = false;
    // Decode every track up to t, shown or not: a decoder needs every frame after a keyframe.
    std::vector<bool> changed(video_.size(), false);
    for (std::size_t k = 0; k < video_.size(); ++k) {
        auto c = video_[k].advance_to(t);
        if (!c) return std::unexpected(c.error());
        changed[k] = *c;
    }
    if (auto r = update_slide(t, scene_change); !r) return std::unexpected(r.error());
    const auto previous_tiles = tiles_;
    if (auto r = update_tiles(t); !r) return std::unexpected(r.error());
    for (std::size_t k = 0; k < video_.size(); ++k) {
        const VideoFeed& f = video_[k];
        if (f.screen) continue;
        const bool tiled = std::any_of(tiles_.begin(), tiles_.end(), [&](const TileSpec& s) { return s.key == f.participant; });
        if (!tiled) continue;
        const bool was_tiled = std::any_of(previous_tiles.begin(), previous_tiles.end(),
                                           [&](const TileSpec& s) { return s.key == f.participant; });
        if (f.has_picture && timeline_.webcam_on(f.participant, t).value_or(true)) {
            if (changed[k] || !was_tiled || first_) compositor_.set_tile_picture(f.participant, f.picture);
        } else {
            compositor_.clear_tile_picture(f.participant);
        }
    }

    const LessonLayout& layout = compositor_.layout();
    if (const PollCard* poll = timeline_.poll_at(t); poll != shown_poll_) {
        shown_poll_ = poll;
        compositor_.set_poll(poll == nullptr || layout.slide.empty()
                                 ? nullptr
                                 : std::make_shared<const ArgbImage>(
                                       render_poll_card(*poll, layout.slide.w * 2 / 5, layout.slide.h / 2)));
    }
    if (!layout.chat.empty()) {
        if (const std::size_t n = timeline_.chat_count_at(t); n != shown_chat_ || first_) {
            shown_chat_ = n;
            compositor_.set_chat(std::make_shared<const ArgbImage>(
                render_chat_panel(chat_.first(std::min(n, chat_.size())), layout.chat.w, layout.chat.h)));
        }
    }
    first_ = false;
    return scene_change;
}

} // namespace tafel::transcode
