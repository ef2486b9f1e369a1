#include "archive/event_mapper.hpp"

#include "archive/media_lookup.hpp"
#include "ingest/pdf_pages.hpp"

#include <fmt/format.h>
#include <pugixml.hpp>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

namespace tafel::archive {

using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Events that carry nothing a recording shows (docs/archive.md, "Ignored events"): counted,
// never warned about.
const std::set<std::string>& ignored_events() {
    static const std::set<std::string> names = {
        "AssignPresenterEvent",          // used: the presenter owns a screen share
        "ParticipantStatusChangeEvent",  // emoji / raised hand
        "ParticipantRoleChangeEvent",
        "ParticipantLockSettingsEvent",
        "EndAndKickAllEvent",
        "MeetingConfigurationEvent",
        "PadCreatedEvent",               // shared notes: published from notes/ (notes.txt)
        "AddPadEvent",
        "PadUpdatedEvent",
        "ParticipantJoinedEvent",        // VOICE: the conference audio is one file
        "ParticipantMutedEvent",
        "ParticipantLockedEvent",
        "ResizeAndMoveSlideEvent",       // zoom: the whole page is shown
        "SetPresentationDownloadable",
        "CreatePresentationPodEvent",
        "SetPresenterInPodEvent",
        "ConversionCompletedEvent",      // used: the deck's original file name
        "GenerateSlideEvent",
        "RemovePresentationEvent",
        "UserRespondedToPollRecordEvent", // single votes: only the published result is shown
        "StopRecordingEvent",            // VOICE: the file's length is its duration
        "RecordStatusEvent",             // used: the segments
        "WhiteboardAnnotationHistoryEvent",
        "UpdateRecordingTimerEvent",
        "ParticipantEjectedEvent",
        "SetUserAwayEvent",
    };
    return names;
}

bool is_true(const std::string& s) { return s == "true" || s == "1"; }

std::string lower_extension(const fs::path& p) {
    std::string ext = p.extension().string();
    if (!ext.empty()) ext.erase(0, 1);
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext;
}

int to_int(const std::string& s, int fallback) {
    int v = fallback;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

} // namespace

EventMapper::EventMapper(fs::path archive_dir, fs::path work_dir, const BbbArchiveEvents& archive, ArchiveClock clock,
                         std::vector<Segment> segments, ImportOptions options)
    : archive_dir_(std::move(archive_dir)), work_(std::move(work_dir)), archive_(archive), clock_(clock),
      segments_(std::move(segments)), options_(options),
      whiteboard_([this](const std::string& pres) {
                      auto it = decks_.find(pres);
                      return it == decks_.end() ? std::string() : it->second.id;
                  },
                  [this](const std::string& pres, int page) { return page_size(pres, page); }) {}

bool EventMapper::inside_segment(std::int64_t ts) const {
    return std::any_of(segments_.begin(), segments_.end(),
                       [&](const Segment& s) { return ts >= s.start_ms && ts <= s.end_ms; });
}

std::optional<std::int64_t> EventMapper::time_for(std::int64_t ts, Keep keep) const {
    const std::int64_t first = segments_.front().start_ms;
    const std::int64_t last = segments_.back().end_ms;
    if (ts > last) return std::nullopt;
    if (keep == Keep::inside_only && !inside_segment(ts)) return std::nullopt;
    if (ts < first) {
        // State from before the recording started is what the first recorded frame shows.
        if (keep != Keep::state) return std::nullopt;
        ts = first;
    }
    return clock_.wall_us(ts);
}

void EventMapper::emit(const BbbEvent& e, json j, Keep keep) {
    auto t = time_for(e.timestamp_ms, keep);
    if (!t) return;
    j["t_us"] = *t;
    out_.push_back(std::move(j));
}

Result<void> EventMapper::run() {
    const auto& evs = archive_.events;
    for (const auto& e : evs) {
        if (e.name == "AddTldrawShapeEvent" || e.name == "DeleteTldrawShapeEvent") tldraw_ = true;
    }
    const bool v3 = !archive_.bbb_version.empty() && archive_.bbb_version.front() >= '3';
    const bool has_v3_audio = std::any_of(evs.begin(), evs.end(), [](const BbbEvent& e) { return e.name == "AudioTrackPublishedEvent"; });
    const bool flash = std::any_of(evs.begin(), evs.end(), [](const BbbEvent& e) {
        return e.module == "Deskshare" || e.name == "StartWebcamShareEvent";
    });
    report_.epoch_timestamps = clock_.epoch_timestamps();
    report_.generation = (v3 || has_v3_audio)                      ? "3.x"
                         : tldraw_ || archive_.bbb_version >= "2.6" ? "2.6+"
                         : (clock_.epoch_timestamps() || flash)     ? "0.8"
                                                                    : "2.0-2.5";
    report_.meeting_id = archive_.meeting_id;
    report_.title = archive_.meeting_name;
    report_.segments = static_cast<int>(segments_.size());

    info_.meeting.id = archive_.meeting_id;
    info_.meeting.name = archive_.meeting_name;
    auto ctx = archive_.metadata.find("bbb-context");
    info_.meeting.context = ctx != archive_.metadata.end() ? ctx->second : archive_.external_id;
    info_.started = WallTime{clock_.wall_us(segments_.front().start_ms)};
    info_.stopped = WallTime{clock_.wall_us(segments_.back().end_ms)};
    // File tracks are placed by wall time; the anchor only has to be consistent with it.
    info_.anchor = ClockAnchor{ArrivalTime{0}, info_.started};
    report_.started_utc_us = info_.started.utc_us;
    report_.duration_us = info_.stopped->utc_us - info_.started.utc_us;
    for (const auto& s : segments_) report_.recorded_us += (s.end_ms - s.start_ms) * 1000;

    // The gaps between segments are cut from every output (docs/architecture.md, pauses).
    for (std::size_t i = 0; i + 1 < segments_.size(); ++i) {
        out_.push_back(json{{"t_us", clock_.wall_us(segments_[i].end_ms)}, {"type", "recording_paused"}});
        out_.push_back(json{{"t_us", clock_.wall_us(segments_[i + 1].start_ms)}, {"type", "recording_resumed"}});
    }
    for (const auto& e : evs) {
        if (auto mapped = map_event(e); !mapped) return mapped;
    }
    std::stable_sort(out_.begin(), out_.end(),
                     [](const json& a, const json& b) { return a["t_us"].get<std::int64_t>() < b["t_us"].get<std::int64_t>(); });
    return {};
}

Result<void> EventMapper::map_event(const BbbEvent& e) {
    const std::string& n = e.name;
    if (n == "ParticipantJoinEvent") return on_join(e);
    if (n == "ParticipantLeftEvent") {
        if (e.module == "VOICE") {
            ++report_.ignored[n];
            return {};
        }
        emit(e, json{{"type", "participant_left"}, {"participant", e.get("userId")}}, Keep::moment);
        return {};
    }
    if (n == "AssignPresenterEvent") presenter_ = e.has("userid") ? e.get("userid") : e.get("userId");
    if (n == "ConversionCompletedEvent") original_names_[e.get("presentationName")] = e.get("originalFilename");
    if (n == "PublicChatEvent") return on_chat(e);
    if (n == "SharePresentationEvent") return on_share_presentation(e);
    if (n == "GotoSlideEvent") return on_goto_slide(e);
    if (n == "WhiteboardCursorMoveEvent" || n == "CursorMoveEvent") return on_cursor(e);
    if (Whiteboard::handles(e)) {
        for (auto& j : whiteboard_.convert(e, report_.unsupported)) emit(e, std::move(j), Keep::state);
        return {};
    }
    if (n == "StartRecordingEvent" && e.module == "VOICE") return on_media_start(e, ingest::MediaKind::audio, false);
    if (n == "AudioTrackPublishedEvent") return on_media_start(e, ingest::MediaKind::audio, false);
    if (n == "StartWebRTCShareEvent" || n == "StartWebcamShareEvent") {
        return on_media_start(e, ingest::MediaKind::video, false);
    }
    if (n == "StopWebRTCShareEvent" || n == "StopWebcamShareEvent") return on_media_stop(e, false);
    if (n == "StartWebRTCDesktopShareEvent" || n == "DeskshareStartedEvent") {
        return on_media_start(e, ingest::MediaKind::video, true);
    }
    if (n == "StopWebRTCDesktopShareEvent" || n == "DeskshareStoppedEvent") return on_media_stop(e, true);
    if (n == "ParticipantTalkingEvent") {
        emit(e, json{{"type", is_true(e.get("talking")) ? "talking_started" : "talking_stopped"},
                     {"participant", e.get("participant")}},
             Keep::moment);
        return {};
    }
    if (n == "PollStartedRecordEvent" || n == "PollStoppedRecordEvent" || n == "PollPublishedRecordEvent") {
        return on_poll(e);
    }
    if (n == "EditCaptionHistoryEvent") return {}; // the captions files (archive/captions.hpp)
    if (n == "RecordChapterBreakEvent") {
        emit(e, json{{"type", "chapter"}}, Keep::inside_only);
        return {};
    }
    if (ignored_events().contains(n)) {
        ++report_.ignored[n];
        return {};
    }
    // Unknown: kept verbatim (the renderer ignores unknown types), skipped, reported.
    ++report_.unsupported[n];
    json kept{{"type", "bbb_unsupported"}, {"module", e.module}, {"name", n}, {"fields", e.fields}};
    emit(e, std::move(kept), Keep::state);
    return {};
}

Result<void> EventMapper::on_join(const BbbEvent& e) {
    const std::string id = e.get("userId");
    const bool moderator = e.get("role") == "MODERATOR";
    if (info_.participant(id) == nullptr) {
        // BBB asks no consent; a viewer's consent is unknown, so their chat is shown under a
        // pseudonym and their media is not used (docs/architecture.md, privacy).
        info_.participants.push_back(ingest::Participant{id, e.get("name"),
                                                         moderator ? ingest::Role::moderator : ingest::Role::viewer,
                                                         ingest::Consent::unknown});
    }
    emit(e, json{{"type", "participant_joined"}, {"participant", id}, {"name", e.get("name")},
                 {"role", moderator ? "moderator" : "viewer"}, {"consent", "unknown"}},
         Keep::state);
    return {};
}

Result<void> EventMapper::on_chat(const BbbEvent& e) {
    if (!time_for(e.timestamp_ms, Keep::inside_only)) {
        ++report_.chat_dropped;
        return {};
    }
    std::string name = e.get("sender");
    const std::string id = e.get("senderId");
    // bbb-anonymize-chat (BBB 2.4+ metadata): names replaced for viewers (and moderators with
    // bbb-anonymize-chat-moderators), numbered by first message as BBB does.
    const auto meta = [&](const char* key) {
        auto it = archive_.metadata.find(key);
        return it != archive_.metadata.end() && is_true(it->second);
    };
    if (meta("bbb-anonymize-chat")) {
        const ingest::Participant* p = info_.participant(id);
        const bool moderator = p != nullptr && p->role == ingest::Role::moderator;
        if (!moderator || meta("bbb-anonymize-chat-moderators")) {
            auto [it, added] = chat_pseudonyms_.try_emplace(id, static_cast<int>(chat_pseudonyms_.size()) + 1);
            name = fmt::format("Anonym {}", it->second);
        }
    }
    ++report_.chat_kept;
    emit(e, json{{"type", "chat"}, {"participant", id}, {"name", name}, {"text", e.get("message")}}, Keep::inside_only);
    return {};
}

PageSize EventMapper::page_size(const std::string& presentation, int page) {
    const std::string key = fmt::format("{}/{}", presentation, page);
    if (auto it = page_sizes_.find(key); it != page_sizes_.end()) return it->second;
    PageSize size;
    // BBB's conversion writes one SVG a page; tldraw's page pixels are that SVG's size.
    const fs::path svg = archive_dir_ / "presentation" / presentation / "svgs" / fmt::format("slide{}.svg", page);
    pugi::xml_document doc;
    if (doc.load_file(svg.c_str())) {
        const auto root = doc.child("svg");
        const double w = std::strtod(root.attribute("width").as_string(), nullptr);
        const double h = std::strtod(root.attribute("height").as_string(), nullptr);
        if (w > 0 && h > 0) size = PageSize{w, h};
    }
    page_sizes_[key] = size;
    return size;
}

Result<EventMapper::DeckState*> EventMapper::deck(const BbbEvent& e, const std::string& presentation) {
    if (auto it = decks_.find(presentation); it != decks_.end()) return &it->second;
    DeckState d;
    d.id = fmt::format("d{}", decks_.size() + 1);
    auto on = original_names_.find(presentation);
    d.name = on != original_names_.end() && !on->second.empty() ? on->second : presentation + ".pdf";
    const fs::path folder = archive_dir_ / "presentation" / presentation;
    fs::path pdf = folder / (presentation + ".pdf");
    std::error_code ec;
    if (!fs::is_regular_file(pdf, ec)) {
        pdf.clear();
        for (const auto& entry : fs::directory_iterator(folder, ec)) {
            if (lower_extension(entry.path()) == "pdf") {
                pdf = entry.path();
                break;
            }
        }
    }
    if (pdf.empty()) {
        // An image-only deck (or none at all): the slides stay blank, reported.
        ++report_.unsupported[fs::is_directory(folder, ec) ? "presentation without PDF" : "presentation missing"];
        report_.warnings.push_back(fmt::format("presentation/{}: no PDF (event {} #{}); its slides stay blank",
                                               presentation, e.name, e.index));
        return &decks_.emplace(presentation, d).first->second;
    }
    std::ifstream in(pdf, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    const std::string data = bytes.str();
    d.pages = ingest::looks_like_pdf(data) ? ingest::count_pdf_pages(data) : 0;
    const std::string rel = fs::relative(pdf, archive_dir_, ec).string();
    if (d.pages <= 0) {
        return fail(Errc::malformed_input, fmt::format("{}: not a readable PDF ({}; event {} #{} at {})", rel,
                                                       ingest::looks_like_pdf(data) ? "no pages found" : "no %PDF- header",
                                                       e.name, e.index, e.timestamp_ms));
    }
    const std::string file = fmt::format("slides/{}.pdf", d.id);
    fs::copy_file(pdf, work_ / file, fs::copy_options::overwrite_existing, ec);
    if (ec) return fail(Errc::io, fmt::format("copy {}: {}", rel, ec.message()));
    d.placed = true;
    info_.decks.push_back(ingest::Deck{d.id, d.name, file, d.pages});
    ++report_.decks;
    emit(e, json{{"type", "deck_added"}, {"deck", d.id}, {"name", d.name}, {"pages", d.pages}}, Keep::state);
    return &decks_.emplace(presentation, d).first->second;
}

Result<void> EventMapper::on_share_presentation(const BbbEvent& e) {
    if (e.has("share") && !is_true(e.get("share"))) return {};
    presentation_ = e.get("presentationName");
    auto d = deck(e, presentation_);
    if (!d) return std::unexpected(d.error());
    emit(e, json{{"type", "slide"}, {"deck", (*d)->id}, {"page", 1}}, Keep::state);
    return {};
}

Result<void> EventMapper::on_goto_slide(const BbbEvent& e) {
    // id "<presentation>/<page, 1-based>"; `slide` is 0-based.
    std::string presentation = presentation_;
    int page = to_int(e.get("slide"), 0) + 1;
    const std::string& id = e.get("id");
    if (const auto slash = id.rfind('/'); slash != std::string::npos) {
        presentation = id.substr(0, slash);
        page = to_int(id.substr(slash + 1), page);
    }
    if (presentation.empty()) return {};
    auto d = deck(e, presentation);
    if (!d) return std::unexpected(d.error());
    emit(e, json{{"type", "slide"}, {"deck", (*d)->id}, {"page", std::max(1, page)}}, Keep::state);
    return {};
}

Result<void> EventMapper::on_cursor(const BbbEvent& e) {
    double x = std::strtod(e.get("xOffset", "-1").c_str(), nullptr);
    double y = std::strtod(e.get("yOffset", "-1").c_str(), nullptr);
    if (tldraw_) {
        // tldraw: page pixels of the shown page.
        const std::string& wb = e.get("whiteboardId");
        const auto slash = wb.rfind('/');
        const PageSize size = slash == std::string::npos ? PageSize{}
                                                         : page_size(wb.substr(0, slash), to_int(wb.substr(slash + 1), 1));
        x /= size.width;
        y /= size.height;
    } else {
        x /= 100.0; // legacy: percent of the page
        y /= 100.0;
    }
    if (x < 0 || y < 0 || x > 1 || y > 1) {
        emit(e, json{{"type", "cursor"}, {"hidden", true}}, Keep::moment);
    } else {
        emit(e, json{{"type", "cursor"}, {"x", x}, {"y", y}}, Keep::moment);
    }
    return {};
}

Result<std::string> EventMapper::place_media(const BbbEvent& e, const fs::path& source) {
    const std::string base = source.filename().string();
    if (auto it = media_tracks_.find(base); it != media_tracks_.end()) return it->second;
    const fs::path target = work_ / "media" / base;
    std::error_code ec;
    if (options_.link_media) fs::create_hard_link(source, target, ec);
    if (!options_.link_media || ec) {
        ec.clear();
        fs::copy_file(source, target, fs::copy_options::overwrite_existing, ec);
    }
    if (ec) return fail(Errc::io, fmt::format("copy {} (event {} #{}): {}", source.string(), e.name, e.index, ec.message()));
    return std::string("media/") + base;
}

std::string EventMapper::webcam_owner(const BbbEvent& e, const std::string& stream) const {
    if (e.has("userId")) return e.get("userId");
    // Stream names embed the user id: "<w_user>_<camera>…" (2.x), "<WxH>-<user>-<ts>" (0.8).
    for (const auto& p : info_.participants) {
        if (!p.id.empty() && stream.find(p.id) != std::string::npos) return p.id;
    }
    return {};
}

Result<void> EventMapper::on_media_start(const BbbEvent& e, ingest::MediaKind kind, bool screenshare) {
    std::string name = e.has("filename") ? e.get("filename") : e.has("file") ? e.get("file") : e.get("stream");
    if (name.empty()) {
        ++report_.unsupported[e.name + " without a file name"];
        return {};
    }
    const MediaFolder folder = kind == ingest::MediaKind::audio ? MediaFolder::audio
                               : screenshare                   ? MediaFolder::deskshare
                                                               : MediaFolder::video;
    std::optional<fs::path> found = find_media(archive_dir_, archive_.meeting_id, folder, name);
    // 0.8 names the Flash stream without its extension.
    if (!found && fs::path(basename_of(name)).extension().empty()) {
        for (const char* ext : {".flv", ".webm"}) {
            if ((found = find_media(archive_dir_, archive_.meeting_id, folder, name + ext))) break;
        }
    }
    if (!found) {
        const char* where = folder == MediaFolder::audio ? "audio/" : folder == MediaFolder::deskshare ? "deskshare/" : "video/<meeting>/";
        return fail(Errc::not_found, fmt::format("{}{}: missing (named by event {} #{} at {})", where, basename_of(name),
                                                 e.name, e.index, e.timestamp_ms));
    }
    const std::string base = found->filename().string();
    const bool known = media_tracks_.contains(base);
    auto file = place_media(e, *found);
    if (!file) return std::unexpected(file.error());

    std::string track_id;
    if (known) {
        track_id = media_tracks_[base];
    } else {
        ingest::TrackInfo t;
        t.kind = kind;
        t.port = 0;
        t.payload_type = 0;
        t.file = *file;
        if (kind == ingest::MediaKind::audio) {
            track_id = fmt::format("a{}", next_audio_++);
            t.codec = "opus"; // what the file track yields: other codecs are transcoded on read
            t.clock_rate = 48000;
            t.channels = 2;
            if (e.name == "AudioTrackPublishedEvent" && e.has("userId")) {
                t.participant = e.get("userId");
            } else {
                // FreeSWITCH records the whole conference into one file: BBB publishes it all.
                t.participant = "bbb-conference";
                if (info_.participant(t.participant) == nullptr) {
                    info_.participants.push_back(ingest::Participant{"bbb-conference", "Konferenz-Audio",
                                                                     ingest::Role::moderator, ingest::Consent::granted});
                }
            }
            ++report_.audio_files;
        } else {
            track_id = fmt::format("v{}", next_video_++);
            t.codec = "VP8";
            t.clock_rate = 90000;
            t.participant = screenshare ? (e.has("userId") ? e.get("userId") : presenter_) : webcam_owner(e, name);
            ++(screenshare ? report_.screenshares : report_.webcams);
        }
        t.id = track_id;
        info_.tracks.push_back(t);
        media_tracks_[base] = track_id;
        // The file starts when its start event was written (BBB's own placement rule).
        extras_[track_id] = json{{"container", lower_extension(*found)},
                                 {"start_utc_us", clock_.wall_us(e.timestamp_ms)},
                                 {"source", fs::relative(*found, archive_dir_).string()}};
    }
    if (kind == ingest::MediaKind::video) {
        const std::string stream = e.has("stream") ? e.get("stream") : basename_of(name);
        stream_tracks_[stream] = track_id;
        const ingest::TrackInfo* t = nullptr;
        for (const auto& tr : info_.tracks) {
            if (tr.id == track_id) t = &tr;
        }
        emit(e, json{{"type", screenshare ? "screenshare_started" : "webcam_started"},
                     {"participant", t != nullptr ? t->participant : std::string()}, {"track", track_id}},
             Keep::state);
    }
    return {};
}

Result<void> EventMapper::on_media_stop(const BbbEvent& e, bool screenshare) {
    std::string name = e.has("filename") ? e.get("filename") : e.has("file") ? e.get("file") : e.get("stream");
    std::string stream = e.has("stream") ? e.get("stream") : basename_of(name);
    auto it = stream_tracks_.find(stream);
    if (it == stream_tracks_.end()) it = stream_tracks_.find(basename_of(name));
    if (it == stream_tracks_.end()) return {}; // stopped before it started: nothing was shown
    std::string participant;
    for (const auto& tr : info_.tracks) {
        if (tr.id == it->second) participant = tr.participant;
    }
    emit(e, json{{"type", screenshare ? "screenshare_stopped" : "webcam_stopped"}, {"participant", participant},
                 {"track", it->second}},
         Keep::state);
    return {};
}

Result<void> EventMapper::on_poll(const BbbEvent& e) {
    // BBB's answers are JSON arrays of {"id", "key"[, "numVotes"]} objects; tafel's poll
    // events (docs/architecture.md) carry the option labels and, once published, the votes.
    const std::string id = e.has("pollId") ? e.get("pollId") : e.get("id");
    auto answers_of = [&](const std::string& field) {
        json answers = json::parse(e.get(field, "[]"), nullptr, false);
        return answers.is_array() ? answers : json::array();
    };
    if (e.name == "PollStartedRecordEvent") {
        json options = json::array();
        for (const auto& a : answers_of("answers")) {
            if (a.is_string()) options.push_back(a);
            else if (a.is_object() && a.contains("key") && a["key"].is_string()) options.push_back(a["key"]);
            else options.push_back(std::to_string(options.size() + 1));
        }
        emit(e, json{{"type", "poll_started"}, {"id", id}, {"question", e.get("question")}, {"options", options}},
             Keep::moment);
    } else if (e.name == "PollStoppedRecordEvent") {
        emit(e, json{{"type", "poll_ended"}, {"id", id}}, Keep::moment);
    } else {
        json votes = json::array();
        for (const auto& a : answers_of(e.has("answers") ? "answers" : "result")) {
            votes.push_back(a.is_object() && a.contains("numVotes") && a["numVotes"].is_number_integer()
                                ? a["numVotes"].get<std::int64_t>()
                                : std::int64_t{0});
        }
        emit(e, json{{"type", "poll_results"}, {"id", id}, {"votes", votes}}, Keep::moment);
    }
    return {};
}

} // namespace tafel::archive
