#include "transcode/lesson_timeline.hpp"

#include "core/log.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>
#include <map>

namespace tafel::transcode {

namespace {

using json = nlohmann::json;

std::int64_t lesson_us_of(WallTime t, WallTime start) { return std::max<std::int64_t>(0, t.utc_us - start.utc_us); }

// A string field of an event object, or nullopt when missing or not a string.
std::optional<std::string> string_field(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
}

std::optional<double> number_field(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number()) return std::nullopt;
    return it->get<double>();
}

// "#RRGGBB" → 0xRRGGBB; black for anything else.
std::uint32_t parse_colour(const std::string& s) {
    if (s.size() != 7 || s[0] != '#') return 0;
    std::uint32_t v = 0;
    for (char c : s.substr(1)) {
        v <<= 4;
        if (c >= '0' && c <= '9') v |= static_cast<std::uint32_t>(c - '0');
        else if (c >= 'a' && c <= 'f') v |= static_cast<std::uint32_t>(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= static_cast<std::uint32_t>(c - 'A' + 10);
        else return 0;
    }
    return v;
}

} // namespace

LessonTimeline LessonTimeline::build(const std::filesystem::path& recording_dir, const ingest::RecordingInfo& info,
                                     std::span<const ingest::Event> events) {
    LessonTimeline t;
    auto logger = log::get("transcode");

    auto skip = [&](const ingest::Event& e, std::string_view why) {
        ++t.skipped_;
        logger->warn("recording {}: {} event at t_us={} skipped: {}", info.id, e.type, e.time.utc_us, why);
    };

    // Pass 1: consent over time, needed to name (or drop) chat lines in pass 2.
    t.policy_ = info.policy;
    for (const auto& p : info.participants) t.roles_[p.id] = p.role;
    std::map<std::string, bool> changed; // participants with a consent_changed event
    std::map<std::string, bool> joined;  // participants with a participant_joined event
    std::map<std::string, ingest::Consent> was; // consent before the first consent_changed
    for (const auto& e : events) {
        if (e.type != "consent_changed" && e.type != "participant_joined") continue;
        auto j = json::parse(e.json, nullptr, false);
        if (j.is_discarded() || !j.is_object()) continue; // reported in pass 2
        const auto pid = string_field(j, "participant");
        const auto consent = ingest::consent_from_string(string_field(j, "consent").value_or(""));
        if (!pid || !consent) continue;
        if (e.type == "participant_joined") {
            if (auto role = string_field(j, "role"); role && !t.roles_.contains(*pid)) {
                t.roles_[*pid] = *role == "moderator" ? ingest::Role::moderator : ingest::Role::viewer;
            }
            if (changed.contains(*pid) || joined.contains(*pid)) continue; // a rejoin changes nothing
            joined[*pid] = true;
        } else {
            // The recorder logs the consent before the change ("was"): the value in force from
            // the start up to here, which recording.json no longer holds.
            if (!changed.contains(*pid) && !joined.contains(*pid)) {
                if (auto w = ingest::consent_from_string(string_field(j, "was").value_or(""))) was[*pid] = *w;
            }
            changed[*pid] = true;
        }
        t.consents_[*pid].set(lesson_us_of(e.time, info.started), *consent);
    }
    for (const auto& p : info.participants) {
        // recording.json holds the latest consent: valid from the start only if it never
        // changed; someone who joined later counts from their participant_joined.
        ingest::Consent before = ingest::Consent::unknown;
        if (auto w = was.find(p.id); w != was.end())
            before = w->second;
        else if (!changed.contains(p.id) && !joined.contains(p.id))
            before = p.consent;
        t.consent_default_[p.id] = before;
    }
    for (auto& [pid, steps] : t.consents_) steps.sort();

    std::map<std::string, std::string> pseudonyms; // participant id → "Schüler·in N"
    std::map<std::string, PollCard> polls;         // by id, as started
    std::optional<std::string> shown_poll;

    for (const auto& e : events) {
        static const char* const k_used[] = {
            "slide",           "chat",           "slide_view",         "draw_added",          "draw_updated",
            "draw_removed",    "draw_cleared",   "cursor",             "webcam_started",      "webcam_stopped",
            "screenshare_started", "screenshare_stopped", "talking_started", "talking_stopped", "poll_started",
            "poll_results",    "poll_ended",     "chapter"};
        if (std::find(std::begin(k_used), std::end(k_used), e.type) == std::end(k_used)) continue;
        auto j = json::parse(e.json, nullptr, false);
        if (j.is_discarded() || !j.is_object()) {
            skip(e, "not a JSON object");
            continue;
        }
        const std::int64_t at = lesson_us_of(e.time, info.started);
        const auto deck_page = [&](const json& o) -> std::optional<std::pair<const ingest::Deck*, int>> {
            auto deck_id = string_field(o, "deck");
            auto page = o.find("page");
            if (!deck_id || page == o.end() || !page->is_number_integer()) {
                skip(e, "needs \"deck\" (string) and \"page\" (integer)");
                return std::nullopt;
            }
            auto deck = std::find_if(info.decks.begin(), info.decks.end(),
                                     [&](const ingest::Deck& d) { return d.id == *deck_id; });
            if (deck == info.decks.end()) {
                skip(e, fmt::format("deck \"{}\" is not in recording.json", *deck_id));
                return std::nullopt;
            }
            const int page_no = page->get<int>();
            if (page_no < 1) {
                skip(e, fmt::format("page {} (pages count from 1)", page_no));
                return std::nullopt;
            }
            return std::pair{&*deck, page_no};
        };

        if (e.type == "slide") {
            auto dp = deck_page(j);
            if (!dp) continue;
            t.slides_.push_back(SlideChange{at, recording_dir / dp->first->file, dp->first->id, dp->second});
        } else if (e.type == "slide_view") {
            auto x = number_field(j, "x"), y = number_field(j, "y"), w = number_field(j, "w"), h = number_field(j, "h");
            if (!x || !y || !w || !h || *w <= 0 || *h <= 0 || *x < 0 || *y < 0 || *x + *w > 1.0001 ||
                *y + *h > 1.0001) {
                skip(e, "needs \"x\", \"y\", \"w\", \"h\": a non-empty part of the page (fractions 0..1)");
                continue;
            }
            t.views_.set(at, SlideView{*x, *y, std::min(*w, 1.0 - *x), std::min(*h, 1.0 - *y)});
        } else if (e.type.starts_with("draw_")) {
            auto dp = deck_page(j);
            if (!dp) continue;
            DrawOp op;
            op.lesson_us = at;
            if (e.type == "draw_cleared") {
                op.op = DrawOp::Op::clear;
            } else {
                auto id = string_field(j, "id");
                if (!id) {
                    skip(e, "needs \"id\" (string)");
                    continue;
                }
                op.shape.id = *id;
                if (e.type == "draw_removed") {
                    op.op = DrawOp::Op::remove;
                } else {
                    const auto kind = string_field(j, "shape").value_or("");
                    auto points = j.find("points");
                    if (!parse_shape_kind(kind, op.shape.kind)) {
                        skip(e, fmt::format("unknown \"shape\" \"{}\"", kind));
                        continue;
                    }
                    if (points == j.end() || !points->is_array() || points->size() < 2 || points->size() % 2 != 0 ||
                        !std::all_of(points->begin(), points->end(), [](const json& v) { return v.is_number(); })) {
                        skip(e, "needs \"points\": an even number (≥ 2) of numbers");
                        continue;
                    }
                    for (const auto& v : *points) op.shape.points.push_back(v.get<double>());
                    op.shape.rgb = parse_colour(string_field(j, "color").value_or(""));
                    if (auto width = number_field(j, "width"); width && *width > 0) op.shape.width = *width;
                    op.shape.text = string_field(j, "text").value_or("");
                }
            }
            t.boards_[{dp->first->id, dp->second}].add(std::move(op));
        } else if (e.type == "cursor") {
            CursorState c;
            if (auto hidden = j.find("hidden"); hidden != j.end() && hidden->is_boolean() && hidden->get<bool>()) {
                t.cursor_.set(at, c);
                continue;
            }
            auto x = number_field(j, "x"), y = number_field(j, "y");
            if (!x || !y) {
                skip(e, "needs \"x\" and \"y\" (numbers) or \"hidden\": true");
                continue;
            }
            c.visible = *x >= 0 && *x <= 1 && *y >= 0 && *y <= 1; // off the page: not drawn
            c.x = *x;
            c.y = *y;
            t.cursor_.set(at, c);
        } else if (e.type == "webcam_started" || e.type == "webcam_stopped" || e.type == "talking_started" ||
                   e.type == "talking_stopped") {
            auto pid = string_field(j, "participant");
            if (!pid) {
                skip(e, "needs \"participant\" (string)");
                continue;
            }
            auto& steps = e.type.starts_with("webcam") ? t.webcams_[*pid] : t.talking_[*pid];
            steps.set(at, e.type.ends_with("_started"));
        } else if (e.type == "screenshare_started") {
            auto pid = string_field(j, "participant");
            auto track = string_field(j, "track");
            if (!pid || !track) {
                skip(e, "needs \"participant\" and \"track\" (strings)");
                continue;
            }
            t.shares_.push_back(ScreenShareSpan{at, std::numeric_limits<std::int64_t>::max(), *pid, *track});
        } else if (e.type == "screenshare_stopped") {
            // Events arrive in time order; the open span of that participant (or any) ends.
            auto pid = string_field(j, "participant");
            for (auto it = t.shares_.rbegin(); it != t.shares_.rend(); ++it) {
                if (it->to_us == std::numeric_limits<std::int64_t>::max() && (!pid || it->participant == *pid)) {
                    it->to_us = std::max(at, it->from_us);
                    break;
                }
            }
        } else if (e.type == "poll_started") {
            auto id = string_field(j, "id");
            auto options = j.find("options");
            if (!id || options == j.end() || !options->is_array() ||
                !std::all_of(options->begin(), options->end(), [](const json& v) { return v.is_string(); })) {
                skip(e, "needs \"id\" (string) and \"options\" (array of strings)");
                continue;
            }
            PollCard card{*id, string_field(j, "question").value_or(""), {}, {}};
            for (const auto& o : *options) card.options.push_back(o.get<std::string>());
            card.votes.assign(card.options.size(), 0);
            polls[*id] = std::move(card);
        } else if (e.type == "poll_results") {
            auto id = string_field(j, "id");
            auto votes = j.find("votes");
            if (!id || !polls.contains(*id) || votes == j.end() || !votes->is_array()) {
                skip(e, "needs the \"id\" of a started poll and \"votes\" (array of integers)");
                continue;
            }
            PollCard& card = polls[*id];
            for (std::size_t k = 0; k < card.votes.size() && k < votes->size(); ++k) {
                if ((*votes)[k].is_number_integer()) card.votes[k] = std::max(0, (*votes)[k].get<int>());
            }
            t.polls_.set(at, card);
            shown_poll = *id;
        } else if (e.type == "poll_ended") {
            auto id = string_field(j, "id");
            if (id && shown_poll == *id) {
                t.polls_.set(at, std::nullopt);
                shown_poll.reset();
            }
        } else if (e.type == "chapter") {
            auto title = string_field(j, "title");
            if (!title || title->empty()) {
                skip(e, "needs \"title\" (non-empty string)");
                continue;
            }
            t.chapters_.push_back(Chapter{at, *title});
        } else { // chat
            auto text = string_field(j, "text");
            if (!text) {
                skip(e, "needs \"text\" (string)");
                continue;
            }
            const std::string participant_id = string_field(j, "participant").value_or("");
            const ingest::Participant* p = info.participant(participant_id);
            std::string name;
            const ingest::Exposure exposure = t.exposure_at(participant_id, at);
            if (exposure == ingest::Exposure::absent) {
                // Issue 9: a denied pupil's (or, teacher-only, any pupil's) chat text appears
                // nowhere — not in the video, chat.json, pages or the API.
                ++t.chat_dropped_;
                continue;
            }
            if (exposure == ingest::Exposure::named) {
                name = string_field(j, "name").value_or(p != nullptr ? p->name : participant_id);
            } else {
                // Consent not known yet: the text is kept, never the name (issue 5 item 6).
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
    std::stable_sort(t.chapters_.begin(), t.chapters_.end(),
                     [](const Chapter& a, const Chapter& b) { return a.lesson_us < b.lesson_us; });
    std::stable_sort(t.shares_.begin(), t.shares_.end(),
                     [](const ScreenShareSpan& a, const ScreenShareSpan& b) { return a.from_us < b.from_us; });
    t.views_.sort();
    t.cursor_.sort();
    t.polls_.sort();
    for (auto& [key, board] : t.boards_) {
        std::stable_sort(board.mutable_ops().begin(), board.mutable_ops().end(),
                         [](const DrawOp& a, const DrawOp& b) { return a.lesson_us < b.lesson_us; });
    }
    for (auto& [pid, steps] : t.webcams_) steps.sort();
    for (auto& [pid, steps] : t.talking_) steps.sort();
    return t;
}

const SlideChange* LessonTimeline::slide_at(std::int64_t lesson_us) const {
    // First change strictly after lesson_us; the one before it is in effect.
    auto it = std::upper_bound(slides_.begin(), slides_.end(), lesson_us,
                               [](std::int64_t t, const SlideChange& s) { return t < s.lesson_us; });
    if (it == slides_.begin()) return nullptr;
    return &*std::prev(it);
}

SlideView LessonTimeline::view_at(std::int64_t lesson_us) const {
    const auto* view = views_.step_at(lesson_us);
    const SlideChange* slide = slide_at(lesson_us);
    // A pan/zoom older than the current page's change belongs to an earlier page.
    if (view == nullptr || (slide != nullptr && view->lesson_us < slide->lesson_us)) return SlideView{};
    return view->value;
}

const WhiteboardPage* LessonTimeline::whiteboard(const std::string& deck, int page) const {
    auto it = boards_.find({deck, page});
    return it == boards_.end() ? nullptr : &it->second;
}

const ScreenShareSpan* LessonTimeline::screenshare_at(std::int64_t lesson_us) const {
    const ScreenShareSpan* found = nullptr;
    for (const auto& s : shares_) {
        if (s.from_us > lesson_us) break;
        if (lesson_us < s.to_us) found = &s;
    }
    return found;
}

std::optional<bool> LessonTimeline::webcam_on(const std::string& participant, std::int64_t lesson_us) const {
    auto it = webcams_.find(participant);
    if (it == webcams_.end()) return std::nullopt;
    return it->second.value_at(lesson_us, false);
}

std::vector<std::string> LessonTimeline::talking_at(std::int64_t lesson_us) const {
    std::vector<std::pair<std::int64_t, std::string>> talking;
    for (const auto& [pid, steps] : talking_) {
        const auto* s = steps.step_at(lesson_us);
        if (s != nullptr && s->value) talking.emplace_back(s->lesson_us, pid);
    }
    std::stable_sort(talking.begin(), talking.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<std::string> out;
    for (auto& [at, pid] : talking) out.push_back(std::move(pid));
    return out;
}

const PollCard* LessonTimeline::poll_at(std::int64_t lesson_us) const {
    const auto* s = polls_.step_at(lesson_us);
    return s == nullptr || !s->value ? nullptr : &*s->value;
}

ingest::Consent LessonTimeline::consent_at(const std::string& participant, std::int64_t lesson_us) const {
    auto d = consent_default_.find(participant);
    const ingest::Consent before = d != consent_default_.end() ? d->second : ingest::Consent::unknown;
    auto it = consents_.find(participant);
    return it == consents_.end() ? before : it->second.value_at(lesson_us, before);
}

ingest::Role LessonTimeline::role_of(const std::string& participant) const {
    auto it = roles_.find(participant);
    return it == roles_.end() ? ingest::Role::viewer : it->second;
}

ingest::Exposure LessonTimeline::exposure_at(const std::string& participant, std::int64_t lesson_us) const {
    return ingest::exposure(role_of(participant), consent_at(participant, lesson_us), policy_);
}

bool LessonTimeline::recordable_at(const std::string& participant, std::int64_t lesson_us) const {
    return exposure_at(participant, lesson_us) == ingest::Exposure::named;
}

bool LessonTimeline::ever_recordable(const std::string& participant) const {
    const ingest::Role role = role_of(participant);
    auto named = [&](ingest::Consent c) { return ingest::exposure(role, c, policy_) == ingest::Exposure::named; };
    auto d = consent_default_.find(participant);
    if (named(d != consent_default_.end() ? d->second : ingest::Consent::unknown)) return true;
    auto it = consents_.find(participant);
    if (it == consents_.end()) return false;
    return std::any_of(it->second.steps().begin(), it->second.steps().end(),
                       [&](const auto& s) { return named(s.value); });
}

std::size_t LessonTimeline::chat_count_at(std::int64_t lesson_us) const {
    const std::int64_t t_ms = lesson_us / 1000;
    auto it = std::upper_bound(chat_.begin(), chat_.end(), t_ms,
                               [](std::int64_t t, const ChatLine& c) { return t < c.t_ms; });
    return static_cast<std::size_t>(it - chat_.begin());
}

} // namespace tafel::transcode
