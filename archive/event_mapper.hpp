#pragma once
// The heart of the import: walks a BBB events.xml once, in time order, and produces the
// tafel raw recording's metadata (participants, file tracks, decks) and its events
// (docs/archive.md has the table event by event). Media and slides are placed into the
// work folder as they are met; anything the archive lacks fails with the file and event.
#include "archive/archive_clock.hpp"
#include "archive/bbb_events.hpp"
#include "archive/importer.hpp"
#include "archive/whiteboard.hpp"
#include "ingest/raw_recording.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tafel::archive {

class EventMapper {
public:
    EventMapper(std::filesystem::path archive_dir, std::filesystem::path work_dir, const BbbArchiveEvents& archive,
                ArchiveClock clock, std::vector<Segment> segments, ImportOptions options);

    Result<void> run();

    ImportReport& report() { return report_; }
    ingest::RecordingInfo& info() { return info_; }
    const std::vector<nlohmann::json>& events() const { return out_; }
    const std::map<std::string, nlohmann::json>& track_extras() const { return extras_; }

private:
    struct DeckState {
        std::string id;   // "d1"
        std::string name; // original file name
        int pages = 0;
        bool placed = false; // PDF copied (or found missing: then every slide is blank)
    };
    enum class Keep { state, moment, inside_only };

    Result<void> map_event(const BbbEvent& e);
    // Appends `j` at the event's time; `keep` says what happens outside the segments.
    void emit(const BbbEvent& e, nlohmann::json j, Keep keep);
    std::optional<std::int64_t> time_for(std::int64_t timestamp_ms, Keep keep) const;
    bool inside_segment(std::int64_t timestamp_ms) const;

    Result<void> on_join(const BbbEvent& e);
    Result<void> on_chat(const BbbEvent& e);
    Result<void> on_share_presentation(const BbbEvent& e);
    Result<void> on_goto_slide(const BbbEvent& e);
    Result<void> on_cursor(const BbbEvent& e);
    Result<void> on_media_start(const BbbEvent& e, ingest::MediaKind kind, bool screenshare);
    Result<void> on_media_stop(const BbbEvent& e, bool screenshare);
    Result<void> on_poll(const BbbEvent& e);

    Result<DeckState*> deck(const BbbEvent& e, const std::string& presentation);
    PageSize page_size(const std::string& presentation, int page);
    Result<std::string> place_media(const BbbEvent& e, const std::filesystem::path& source);
    std::string webcam_owner(const BbbEvent& e, const std::string& stream) const;

    std::filesystem::path archive_dir_;
    std::filesystem::path work_;
    const BbbArchiveEvents& archive_;
    ArchiveClock clock_;
    std::vector<Segment> segments_;
    ImportOptions options_;
    bool tldraw_ = false;

    ImportReport report_;
    ingest::RecordingInfo info_;
    std::vector<nlohmann::json> out_;
    std::map<std::string, nlohmann::json> extras_; // track id → container fields
    std::map<std::string, DeckState> decks_;       // presentation name → deck
    std::map<std::string, std::string> original_names_; // presentation name → uploaded file name
    std::map<std::string, PageSize> page_sizes_;
    std::map<std::string, std::string> media_tracks_;   // media basename → track id
    std::map<std::string, std::string> stream_tracks_;  // webcam/screen stream → track id
    std::map<std::string, int> chat_pseudonyms_;
    std::string presentation_;                     // currently shared
    std::string presenter_;
    Whiteboard whiteboard_;
    int next_video_ = 1;
    int next_audio_ = 1;
};

} // namespace tafel::archive
