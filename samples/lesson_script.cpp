#include "samples/lesson_script.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <string_view>

namespace tafel::samples {
namespace {

// Chat lines of a maths lesson on fractions: umlauts, ß and emoji on purpose, so that every
// stage from the control API to the rendered chat panel is exercised with non-ASCII text.
// Even indices are the pupil's questions, odd ones the teacher's answers.
constexpr std::array<std::string_view, 20> k_chat_lines = {
    "Guten Morgen! Ich höre Sie gut 👍",
    "Schön, dass du da bist, Jonas. Heute üben wir Brüche.",
    "Ist 2/4 dasselbe wie 1/2?",
    "Genau – man kürzt mit 2. Größer wird der Bruch dadurch nicht.",
    "Wie addiert man 1/3 und 1/6?",
    "Erst auf den gemeinsamen Nenner 6 bringen: 2/6 + 1/6 = 3/6 = 1/2.",
    "Ah, jetzt verstehe ich das 😀",
    "Sehr gut! Schau dir die Folie mit dem Zahlenstrahl an.",
    "Warum ist 3/4 größer als 2/3?",
    "Vergleiche 9/12 und 8/12 – gleicher Nenner, größerer Zähler.",
    "Muss ich das Ergebnis immer kürzen?",
    "Ja, bitte immer vollständig kürzen, das gibt volle Punktzahl. ✅",
    "Gilt das auch für gemischte Zahlen wie 1 ½?",
    "Ja: 1 ½ = 3/2. Übung macht den Meister.",
    "Können Sie die Aufgabe mit der Pizza nochmal zeigen? 🍕",
    "Gern, ich blättere gleich zurück.",
    "Danke, Frau Müller!",
    "Hausaufgabe: Seite 42, Nummer 3 bis 5. Viel Spaß!",
    "Tschüss, bis Donnerstag 👋",
    "Tschüss Jonas, schönen Tag noch!",
};

const Participant k_teacher{"teacher", "Frau Müller", "moderator", "granted"};
const Participant k_pupil{"pupil1", "Jonas Weiß", "viewer", "granted"};

} // namespace

const char* to_string(EventKind kind) noexcept {
    switch (kind) {
    case EventKind::participant_joined: return "participant_joined";
    case EventKind::slide: return "slide";
    case EventKind::chat: return "chat";
    }
    return "unknown";
}

LessonScript make_lesson_script(const LessonScriptOptions& options) {
    LessonScript script;
    script.participants = {k_teacher, k_pupil};

    auto& events = script.events;
    for (const auto& p : script.participants) {
        ScriptedEvent e;
        e.kind = EventKind::participant_joined;
        e.participant = p.id;
        e.name = p.name;
        e.role = p.role;
        e.consent = p.consent;
        events.push_back(std::move(e));
    }

    const int pages = options.deck_pages > 0 ? options.deck_pages : 1;
    if (options.slide_interval_ms > 0) {
        for (std::int64_t k = 0; k * options.slide_interval_ms < options.duration_ms || k == 0; ++k) {
            ScriptedEvent e;
            e.at_ms = k * options.slide_interval_ms;
            e.kind = EventKind::slide;
            e.page = static_cast<int>(k % pages) + 1;
            events.push_back(std::move(e));
        }
    }

    // Evenly spread over the open interval (0, duration): message i at (i+1)/(n+1) of it.
    const std::int64_t n = options.chat_messages > 0 ? options.chat_messages : 0;
    for (std::int64_t i = 0; i < n; ++i) {
        ScriptedEvent e;
        e.at_ms = options.duration_ms * (i + 1) / (n + 1);
        e.kind = EventKind::chat;
        const auto line = static_cast<std::size_t>(i) % k_chat_lines.size();
        const Participant& from = line % 2 == 0 ? k_pupil : k_teacher;
        e.participant = from.id;
        e.name = from.name;
        e.text = std::string(k_chat_lines[line]);
        events.push_back(std::move(e));
    }

    // Joins first, then page 1, then by time; equal times keep their insertion order.
    std::stable_sort(events.begin(), events.end(),
                     [](const ScriptedEvent& a, const ScriptedEvent& b) { return a.at_ms < b.at_ms; });
    return script;
}

std::string to_json(const ScriptedEvent& event) {
    nlohmann::json j;
    j["type"] = to_string(event.kind);
    if (event.t_us != 0) j["t_us"] = event.t_us;
    switch (event.kind) {
    case EventKind::participant_joined:
        j["participant"] = event.participant;
        j["name"] = event.name;
        j["role"] = event.role;
        j["consent"] = event.consent;
        break;
    case EventKind::slide:
        j["deck"] = event.deck;
        j["page"] = event.page;
        break;
    case EventKind::chat:
        j["participant"] = event.participant;
        j["name"] = event.name;
        j["text"] = event.text;
        break;
    }
    return j.dump();
}

} // namespace tafel::samples
