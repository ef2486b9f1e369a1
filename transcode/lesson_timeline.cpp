#include "transcode/lesson_timeline.hpp"

#include "core/log.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

namespace tafel::transcode {

namespace {

std::int64_t lesson_us_of(WallTime t, WallTime start) { return std::max<std::int64_t>(0, t.utc_us - start.utc_us); }

// A string field of an event object, or nullopt when missing or not a string.
std::optional<std::string> string_field(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
}

} // namespace

LessonTimeline LessonTimeline::build(const std::filesystem::path& recording_dir, const ingest::RecordingInfo& info,
                                     std::span<const ingest::Event> events) {
    LessonTimeline t;
    auto logger = log::get("transcode");
    std::map<std::string, std::string> pseudonyms; // participant id → "Schüler·in N"

    auto skip = [&](const ingest::Event& e, std::string_view why) {
        ++t.skipped_;
        logger->warn("recording {}: {} event at t_us={} skipped: {}", info.id, e.type, e.time.utc_us, why);
    };

    for (const auto& e : events) {
        if (e.type != "slide" && e.type != "chat") continue; // other types do not change the picture
        auto j = nlohmann::json::parse(e.json, nullptr, false);
        if (j.is_discarded() || !j.is_object()) {
            skip(e, "not a JSON object");
            continue;
        }
        const std::int64_t at = lesson_us_of(e.time, info.started);
        if (e.type == "slide") {
            auto deck_id = string_field(j, "deck");
            auto page = j.find("page");
            if (!deck_id || page == j.end() || !page->is_number_integer()) {
                skip(e, "needs \"deck\" (string) and \"page\" (integer)");
                continue;
            }
            auto deck = std::find_if(info.decks.begin(), info.decks.end(),
                                     [&](const ingest::Deck& d) { return d.id == *deck_id; });
            if (deck == info.decks.end()) {
                skip(e, fmt::format("deck \"{}\" is not in recording.json", *deck_id));
                continue;
            }
            const int page_no = page->get<int>();
            if (page_no < 1) {
                skip(e, fmt::format("page {} (pages count from 1)", page_no));
                continue;
            }
            t.slides_.push_back(SlideChange{at, recording_dir / deck->file, deck->id, page_no});
        } else {
            auto text = string_field(j, "text");
            if (!text) {
                skip(e, "needs \"text\" (string)");
                continue;
            }
            const std::string participant_id = string_field(j, "participant").value_or("");
            const ingest::Participant* p = info.participant(participant_id);
            std::string name;
            if (p != nullptr && p->recordable()) {
                name = string_field(j, "name").value_or(p->name);
            } else {
                // Privacy by design: a pupil without consent never appears by name.
                auto [it, inserted] = pseudonyms.try_emplace(participant_id, "");
                if (inserted) it->second = fmt::format("Schüler·in {}", pseudonyms.size());
                name = it->second;
            }
            t.chat_.push_back(ChatLine{at / 1000, std::move(name), std::move(*text)});
        }
    }
    std::stable_sort(t.slides_.begin(), t.slides_.end(),
                     [](const SlideChange& a, const SlideChange& b) { return a.lesson_us < b.lesson_us; });
    std::stable_sort(t.chat_.begin(), t.chat_.end(), [](const ChatLine& a, const ChatLine& b) { return a.t_ms < b.t_ms; });
    return t;
}

const SlideChange* LessonTimeline::slide_at(std::int64_t lesson_us) const {
    // First change strictly after lesson_us; the one before it is in effect.
    auto it = std::upper_bound(slides_.begin(), slides_.end(), lesson_us,
                               [](std::int64_t t, const SlideChange& s) { return t < s.lesson_us; });
    if (it == slides_.begin()) return nullptr;
    return &*std::prev(it);
}

std::size_t LessonTimeline::chat_count_at(std::int64_t lesson_us) const {
    const std::int64_t t_ms = lesson_us / 1000;
    auto it = std::upper_bound(chat_.begin(), chat_.end(), t_ms,
                               [](std::int64_t t, const ChatLine& c) { return t < c.t_ms; });
    return static_cast<std::size_t>(it - chat_.begin());
}

} // namespace tafel::transcode
