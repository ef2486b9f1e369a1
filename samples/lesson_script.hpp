#pragma once
// The scripted timeline of the synthetic demo lesson: who takes part, when the slides change
// and what is said in the chat. A pure function of its options, so tests and the simulator
// agree on what a lesson contains (docs/architecture.md, "events.jsonl").
#include <cstdint>
#include <string>
#include <vector>

namespace tafel::samples {

struct Participant {
    std::string id;      // "teacher", "pupil1": the recorder's participant ids
    std::string name;    // display name, UTF-8
    std::string role;    // "moderator" | "viewer"
    std::string consent; // "granted" | "denied" | "unknown"
};

enum class EventKind { participant_joined, slide, chat };

// One event of the timeline. Only the fields of its kind are meaningful (see the table of
// event types in docs/architecture.md).
struct ScriptedEvent {
    std::int64_t at_ms = 0; // from the lesson start
    EventKind kind = EventKind::chat;
    std::string participant; // participant_joined, chat
    std::string name;        // participant_joined, chat
    std::string role;        // participant_joined
    std::string consent;     // participant_joined
    std::string deck;        // slide: filled in once the recorder named the uploaded deck
    int page = 0;            // slide: 1-based
    std::string text;        // chat
    std::int64_t t_us = 0;   // UTC µs when sent; 0 lets the recorder use the arrival time
};

struct LessonScriptOptions {
    std::int64_t duration_ms = 120'000;
    std::int64_t slide_interval_ms = 20'000;
    int chat_messages = 20;
    int deck_pages = 6;
};

struct LessonScript {
    std::vector<Participant> participants;
    std::vector<ScriptedEvent> events; // sorted by at_ms; joins and page 1 at t = 0
};

// The lesson: "Frau Müller" (moderator) and "Jonas Weiß" (viewer), both consenting; a slide
// change every slide_interval_ms from page 1 at t = 0, wrapping over deck_pages; the chat
// lines spread evenly over the lesson (none at t = 0), alternating between both people.
LessonScript make_lesson_script(const LessonScriptOptions& options);

// The event as the recorder's control API takes it: one JSON object (t_us only when set).
std::string to_json(const ScriptedEvent& event);

const char* to_string(EventKind kind) noexcept;

} // namespace tafel::samples
