#pragma once
// What the lesson video shows when, derived from recording.json and events.jsonl: the
// slide (deck file + page) from `slide` events and the chat from `chat` events, both in
// lesson time (µs from recording.json `started_utc_us`; earlier events count as time 0).
// Chat names of participants who are not recordable (no consent, not a moderator, or
// unknown) are pseudonymised as "Schüler·in N", numbered in order of their first message.
#include "ingest/raw_recording.hpp"
#include "transcode/chat_panel.hpp"

#include <cstdint>
#include <filesystem>
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

class LessonTimeline {
public:
    // `recording_dir` resolves the decks' files. Malformed slide/chat events (missing or
    // wrong-typed fields, unknown deck) are skipped with a warning naming the event.
    static LessonTimeline build(const std::filesystem::path& recording_dir, const ingest::RecordingInfo& info,
                                std::span<const ingest::Event> events);

    // The slide shown at `lesson_us`: the latest change at or before it, if any.
    const SlideChange* slide_at(std::int64_t lesson_us) const;
    // How many chat lines (oldest first) have been sent at or before `lesson_us`.
    std::size_t chat_count_at(std::int64_t lesson_us) const;

    const std::vector<SlideChange>& slides() const { return slides_; }
    const std::vector<ChatLine>& chat() const { return chat_; }
    std::uint64_t skipped_events() const { return skipped_; }

private:
    std::vector<SlideChange> slides_; // sorted by time (stable: later events win at a tie)
    std::vector<ChatLine> chat_;      // sorted by time
    std::uint64_t skipped_ = 0;
};

} // namespace tafel::transcode
