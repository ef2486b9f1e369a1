#pragma once
// What the lesson video shows when, derived from recording.json and events.jsonl, all in
// lesson time (µs from recording.json `started_utc_us`; earlier events count as time 0):
// the slide (deck + page) and its pan/zoom, each page's whiteboard, the cursor, webcams
// on/off, screen-share spans, who is talking, polls, chapters, chat, and every
// participant's consent over time. Event fields: docs/architecture.md, "Contract: the raw
// recording".
//
// Privacy (issue 5 item 6, issue 9 items 1-2, docs/privacy.md "Consent policies"): what of a
// participant the lesson shows at t is ingest::exposure(role, consent at t, the recording's
// policy). consent_changed takes effect from its instant. Before a participant's first
// consent_changed, the consent of their participant_joined event counts if one was logged;
// otherwise the first change's "was" (logged by the recorder), else recording.json's consent
// if they never changed it — recording.json holds the latest value, so without "was" the
// earlier value is unknown (privacy first: never "granted"). Chat lines sent while
// Exposure::absent are dropped; while Exposure::pseudonym their name is replaced by
// "Schüler·in N", N numbered per participant in order of first such line.
#include "ingest/raw_recording.hpp"
#include "transcode/chat_panel.hpp"
#include "transcode/poll_card.hpp"
#include "transcode/slide_renderer.hpp"
#include "transcode/steps.hpp"
#include "transcode/whiteboard.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace tafel::transcode {

struct SlideChange {
    std::int64_t lesson_us = 0;
    std::filesystem::path pdf;  // absolute path of the deck's PDF
    std::string deck;           // deck id, for messages
    int page = 1;               // 1-based
};

struct ScreenShareSpan {
    std::int64_t from_us = 0;
    std::int64_t to_us = 0;    // the stop, or the end of time when never stopped
    std::string participant;
    std::string track;         // a video track of recording.json
};

struct Chapter {
    std::int64_t lesson_us = 0;
    std::string title;
};

class LessonTimeline {
public:
    // `recording_dir` resolves the decks' files. Malformed events (missing or wrong-typed
    // fields, unknown deck) are skipped with a warning naming the event.
    static LessonTimeline build(const std::filesystem::path& recording_dir, const ingest::RecordingInfo& info,
                                std::span<const ingest::Event> events);

    // The slide shown at `lesson_us`: the latest change at or before it, if any.
    const SlideChange* slide_at(std::int64_t lesson_us) const;
    // The part of the page on screen (slide_view); a slide change resets it to the whole page.
    SlideView view_at(std::int64_t lesson_us) const;
    // The whiteboard of a page (nullptr: nothing was ever drawn on it).
    const WhiteboardPage* whiteboard(const std::string& deck, int page) const;
    CursorState cursor_at(std::int64_t lesson_us) const { return cursor_.value_at(lesson_us, CursorState{}); }
    // The screen share active at `lesson_us`, if any (the latest started wins).
    const ScreenShareSpan* screenshare_at(std::int64_t lesson_us) const;
    // Whether `participant`'s camera is on: nullopt when no webcam event names them (then
    // their video track's frames decide).
    std::optional<bool> webcam_on(const std::string& participant, std::int64_t lesson_us) const;
    // Participants talking at `lesson_us`, the one who started last first.
    std::vector<std::string> talking_at(std::int64_t lesson_us) const;
    // The poll results card shown at `lesson_us` (from poll_results to poll_ended).
    const PollCard* poll_at(std::int64_t lesson_us) const;
    // Media, name and chat of `participant` at `lesson_us` (Exposure::named: recordable).
    ingest::Exposure exposure_at(const std::string& participant, std::int64_t lesson_us) const;
    bool recordable_at(const std::string& participant, std::int64_t lesson_us) const;
    ingest::Consent consent_at(const std::string& participant, std::int64_t lesson_us) const;
    // Whether `participant` is recordable at any time of the lesson (their media is read at all).
    bool ever_recordable(const std::string& participant) const;
    // How many chat lines (oldest first) have been sent at or before `lesson_us`.
    std::size_t chat_count_at(std::int64_t lesson_us) const;

    const std::vector<SlideChange>& slides() const { return slides_; }
    const std::vector<ChatLine>& chat() const { return chat_; }
    const std::vector<Chapter>& chapters() const { return chapters_; } // `chapter` events only
    const std::vector<ScreenShareSpan>& screenshares() const { return shares_; }
    std::uint64_t skipped_events() const { return skipped_; }
    // Chat lines left out because their sender was Exposure::absent then.
    std::uint64_t dropped_chat() const { return chat_dropped_; }
    ConsentPolicy policy() const { return policy_; }

private:
    std::vector<SlideChange> slides_; // sorted by time (stable: later events win at a tie)
    Steps<SlideView> views_;
    std::map<std::pair<std::string, int>, WhiteboardPage> boards_;
    Steps<CursorState> cursor_;
    std::vector<ScreenShareSpan> shares_;
    std::map<std::string, Steps<bool>> webcams_;
    std::map<std::string, Steps<bool>> talking_;
    Steps<std::optional<PollCard>> polls_;
    ingest::Role role_of(const std::string& participant) const;

    ConsentPolicy policy_ = ConsentPolicy::consenting;
    std::map<std::string, ingest::Role> roles_;
    std::map<std::string, Steps<ingest::Consent>> consents_;
    std::map<std::string, ingest::Consent> consent_default_;
    std::vector<ChatLine> chat_;      // sorted by time
    std::vector<Chapter> chapters_;
    std::uint64_t skipped_ = 0;
    std::uint64_t chat_dropped_ = 0;
};

} // namespace tafel::transcode
