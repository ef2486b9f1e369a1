#include "archive/importer.hpp"

#include "archive/archive_clock.hpp"
#include "archive/bbb_events.hpp"
#include "archive/captions.hpp"
#include "archive/event_mapper.hpp"
#include "archive/shared_notes.hpp"
#include "core/ids.hpp"
#include "ingest/raw_recording.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace tafel::archive {

using json = nlohmann::json;
namespace fs = std::filesystem;

std::string ImportReport::describe_unsupported() const {
    std::string out;
    for (const auto& [name, count] : unsupported) out += fmt::format("{} x{}\n", name, count);
    return out;
}

namespace {

Result<void> write_text(const fs::path& file, const std::string& text) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return fail(Errc::io, fmt::format("write {}: failed", file.string()));
    return {};
}

// recording.json through ingest's writer, then the file-track fields it does not know
// (`container`, `start_utc_us`, `source`) added per track.
Result<void> write_recording_json(const fs::path& dir, const ingest::RecordingInfo& info,
                                  const std::map<std::string, json>& track_extras) {
    if (auto written = ingest::write_recording_info(dir, info); !written) return written;
    std::ifstream in(dir / "recording.json");
    json j = json::parse(in, nullptr, false);
    if (j.is_discarded()) return fail(Errc::internal, fmt::format("{}: unreadable after writing", (dir / "recording.json").string()));
    for (auto& t : j["tracks"]) {
        auto it = track_extras.find(t.value("id", std::string()));
        if (it != track_extras.end()) t.update(it->second);
    }
    return write_text(dir / "recording.json", j.dump(2) + "\n");
}

// What identifying and importing an archive both start from: its events, the clock that
// turns their timestamps into wall time, and the recorded segments (never empty).
struct LoadedArchive {
    BbbArchiveEvents events;
    ArchiveClock clock;
    std::vector<Segment> segments;
};

Result<LoadedArchive> load_archive(const fs::path& archive_dir) {
    const fs::path events_xml = archive_dir / "events.xml";
    auto events = read_bbb_events(events_xml);
    if (!events) return std::unexpected(events.error());
    auto clock = ArchiveClock::for_archive(*events);
    if (!clock) return fail(clock.error().code, fmt::format("{}: {}", events_xml.string(), clock.error().message));
    std::vector<Segment> segments = recorded_segments(*events);
    if (segments.empty()) {
        return fail(Errc::malformed_input,
                    fmt::format("{}: the recording marks (RecordStatusEvent) enclose no time", events_xml.string()));
    }
    return LoadedArchive{std::move(*events), std::move(*clock), std::move(segments)};
}

// The raw recording's sidecars/ (published as they are, docs/architecture.md): the captions
// per locale with captions.json ([{"file", "locale", "label"}]) and the shared notes.
Result<void> write_sidecars(const fs::path& archive_dir, const fs::path& work, const BbbArchiveEvents& events,
                            const std::vector<Segment>& segments, ImportReport& report) {
    const auto tracks = caption_tracks(events, segments);
    auto notes = shared_notes_text(archive_dir);
    if (!notes) return std::unexpected(notes.error());
    if (tracks.empty() && !*notes) return {};
    const fs::path dir = work / "sidecars";
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return fail(Errc::io, fmt::format("create {}: {}", dir.string(), ec.message()));
    json index = json::array();
    for (const auto& t : tracks) {
        const std::string file = fmt::format("captions_{}.vtt", t.locale_code);
        if (auto w = write_text(dir / file, t.vtt); !w) return w;
        index.push_back({{"file", file}, {"locale", t.locale_code}, {"label", t.locale_name}});
        report.captions.push_back(t.locale_code);
    }
    if (!tracks.empty()) {
        if (auto w =
                write_text(dir / "captions.json", index.dump(2, ' ', false, json::error_handler_t::replace) + "\n");
            !w)
            return w;
    }
    if (*notes) {
        if (auto w = write_text(dir / "notes.txt", **notes); !w) return w;
        report.notes = true;
    }
    return {};
}

} // namespace

Result<ArchiveIdentity> identify_archive(const fs::path& archive_dir) {
    auto loaded = load_archive(archive_dir);
    if (!loaded) return std::unexpected(loaded.error());
    const auto& [events, clock, segments] = *loaded;
    ArchiveIdentity id;
    id.meeting_id = events.meeting_id;
    id.title = events.meeting_name;
    id.started_utc_us = clock.wall_us(segments.front().start_ms);
    id.recording_id = tafel::recording_id(events.meeting_id, id.started_utc_us / 1000);
    for (const auto& s : segments) id.recorded_us += (s.end_ms - s.start_ms) * 1000;
    return id;
}

Result<ImportReport> import_archive(const fs::path& archive_dir, const fs::path& raw_dir, const ImportOptions& options) {
    auto loaded = load_archive(archive_dir);
    if (!loaded) return std::unexpected(loaded.error());
    const auto& [events, clock, segments] = *loaded;

    fs::path work = raw_dir;
    work += ".importing";
    std::error_code ec;
    fs::remove_all(work, ec);
    fs::create_directories(work / "slides", ec);
    if (!ec) fs::create_directories(work / "media", ec);
    if (ec) return fail(Errc::io, fmt::format("create {}: {}", work.string(), ec.message()));

    EventMapper mapper(archive_dir, work, events, clock, segments, options);
    auto mapped = mapper.run();
    if (!mapped) {
        fs::remove_all(work, ec);
        return std::unexpected(mapped.error());
    }
    ImportReport report = std::move(mapper.report());
    ingest::RecordingInfo& info = mapper.info();
    report.recording_id = tafel::recording_id(events.meeting_id, clock.wall_us(segments.front().start_ms) / 1000);
    info.id = report.recording_id;
    report.external_id = events.external_id;
    report.metadata = events.metadata;
    for (const auto& p : info.participants) report.participants += p.id == "bbb-conference" ? 0 : 1;

    std::string lines;
    for (const auto& e : mapper.events()) lines += e.dump() + "\n";
    report.events_written = static_cast<int>(mapper.events().size());
    auto written = write_text(work / "events.jsonl", lines);
    if (written) written = write_sidecars(archive_dir, work, events, segments, report);
    if (written) written = write_recording_json(work, info, mapper.track_extras());
    if (!written) {
        fs::remove_all(work, ec);
        return std::unexpected(written.error());
    }
    fs::remove_all(raw_dir, ec);
    fs::rename(work, raw_dir, ec);
    if (ec) {
        fs::remove_all(work, ec);
        return fail(Errc::io, fmt::format("rename {} to {}: {}", work.string(), raw_dir.string(), ec.message()));
    }
    return report;
}

} // namespace tafel::archive
