#pragma once
// The lesson simulator: plays a synthetic lesson into a running tafel recorder the way a media
// server would — session, streams, deck and events through the control API (HTTP/JSON), media
// as real RTP + RTCP over UDP (docs/architecture.md, "Contract: the recorder's control API").
#include "core/error.hpp"
#include "samples/lesson_script.hpp"
#include "samples/sync_markers.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace tafel::samples {

struct SimulatorOptions {
    std::string control_url = "http://127.0.0.1:8090"; // the recorder's control API
    std::string secret;                                  // signs control requests when set (core/hmac.hpp)
    std::int64_t duration_ms = 120'000;                // lesson length (default 2 minutes)
    std::int64_t slide_interval_ms = 20'000;           // a slide change every 20 s
    int chat_messages = 20;                            // spread over the lesson
    std::string meeting_id = "demo-mathe-7b", title = "Mathe 7b – Brüche", context = "klasse-7b";
    std::filesystem::path work_dir;                    // where the deck PDF is written ("" = temp dir)
    std::string sender_host = "127.0.0.1";             // where the RTP goes (the recorder's host)
    // The A/V-sync markers on the teacher's webcam and microphone (samples/sync_markers.hpp):
    // a white frame and a 1 kHz beep at the same capture instant, first after interval_ms of
    // media, then every interval_ms. interval_ms = 0: none.
    MarkerSchedule markers{10'000, 10'000};
};

struct SimulatedTrack {
    std::string track; // the recorder's track id
    std::uint16_t port = 0;
    std::string kind;  // "video" | "audio"
    std::string codec; // "VP8" | "opus"
    std::string participant;
    int tone_hz = 0; // audio: the frequency of its tone bursts
};

struct SimulatedLesson {
    std::string recording_id;
    std::int64_t started_utc_us = 0;  // lesson t = 0: the first events were posted, senders start
    std::int64_t stopped_utc_us = 0;  // senders ended, just before POST stop
    std::vector<Participant> participants;
    std::vector<SimulatedTrack> tracks;  // teacher video, teacher audio (440 Hz), pupil audio (660 Hz)
    std::string deck;                    // the recorder's deck id
    int deck_pages = 0;
    std::vector<ScriptedEvent> events;   // as posted: t_us and (slides) deck filled in
    bool cancelled = false;              // the stop token ended the lesson early
    MarkerSchedule markers;              // as sent, on the media's capture clock from its start
};

// Runs the whole lesson in real time, blocking; stops the session at the end. Returns what was
// sent (for tests). A stop request ends the lesson early but still stops the senders and the
// session, so the recorder finalises what it got. After the session exists, a failure still
// POSTs stop (best effort) so no session is left recording.
Result<SimulatedLesson> simulate(const SimulatorOptions& options,
                                 std::function<void(std::string_view status)> on_status = {},
                                 std::stop_token stop = {});

} // namespace tafel::samples
