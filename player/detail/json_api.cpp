#include "player/detail/json_api.hpp"

#include "player/detail/pages.hpp"

#include <nlohmann/json.hpp>

namespace tafel::player::detail {

namespace {

// A published row without marked parts was published by something that does not mark them
// (an import, a test's catalog): all of it is there.
unsigned parts_of(const storage::RecordingRow& r) {
    if (r.ready_parts != 0) return r.ready_parts;
    const bool rendered =
        r.state == storage::RecordingState::published || r.state == storage::RecordingState::unpublished;
    return rendered ? storage::k_part_audio | storage::k_part_video : 0;
}

nlohmann::json to_json(const storage::RecordingRow& r) {
    return nlohmann::json{
        {"id", r.id},
        {"title", r.title},
        {"context", r.context},
        {"state", storage::to_string(r.state)},
        {"started_utc_us", r.started_utc_us},
        {"duration_ms", r.duration_ms},
        // Progressive publishing (issue 6): what can be played now, "audio" and/or "video".
        {"parts", storage::part_names(parts_of(r))},
        {"urls",
         {{"page", page_url(r.id)},
          {"mp4", media_url(r.id, "lesson.mp4")},
          {"webm", media_url(r.id, "lesson.webm")},
          {"m4a", media_url(r.id, "lesson.m4a")},
          {"opus", media_url(r.id, "lesson.opus.webm")},
          {"chapters", media_url(r.id, "chapters.vtt")},
          {"chat", media_url(r.id, "chat.json")},
          {"manifest", media_url(r.id, "manifest.json")}}},
    };
}

// Titles come from users; a broken UTF-8 sequence must not turn into an exception.
std::string dump(const nlohmann::json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace

std::string recording_json(const storage::RecordingRow& recording, bool owner) {
    auto j = to_json(recording);
    if (owner) {
        // What an owner manages (docs/player.md, "Owners").
        j["delete_after_utc_us"] = recording.delete_after_utc_us;
        j["urls"]["download"] = page_url(recording.id) + "/download";
    }
    return dump(j);
}

std::string recordings_json(const std::vector<storage::RecordingRow>& recordings) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : recordings) list.push_back(to_json(r));
    return dump(nlohmann::json{{"recordings", std::move(list)}});
}

std::string error_json(const std::string& message) {
    return dump(nlohmann::json{{"error", message}});
}

} // namespace tafel::player::detail
