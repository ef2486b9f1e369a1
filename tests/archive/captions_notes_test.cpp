// Live captions and shared notes of an archive (issue 8): captions_<locale>.vtt with the
// text typed while recording at its output times (the recording marks cut, pauses removed),
// notes.txt from the archive's notes/ folder as plain text; both published with the lesson.
#include "archive/captions.hpp"
#include "archive/importer.hpp"
#include "archive/shared_notes.hpp"
#include "archive_builder.hpp"
#include "transcode/render_job.hpp"
#include "warning_counter.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <set>

using namespace tafel;
using namespace tafel::archive;
using namespace tafel::archive::test;
namespace fs = std::filesystem;

namespace {

const std::string k_meeting = "0123456789abcdef0123456789abcdef01234567-1700000000000";
constexpr std::int64_t k_t0 = 5'000'000;

std::string read(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// An edit of the caption pad as BBB records it (EditCaptionHistoryRecordEvent).
Fields edit(int start, int end, const std::string& text, const std::string& code = "en-US",
            const std::string& locale = "English (United States)") {
    return {{"startIndex", std::to_string(start)},
            {"endIndex", std::to_string(end)},
            {"locale", locale},
            {"localeCode", code},
            {"text", text}};
}

// Recorded 1 s … 4 s and 5 s … 9 s after k_t0 (7 s of output); captions typed before, in,
// between and after the segments, in two locales; conference audio for the render.
ArchiveBuilder captioned_archive(const fs::path& dir) {
    ArchiveBuilder a(dir, k_meeting, "2.4.0");
    a.event(k_t0, "PARTICIPANT", "ParticipantJoinEvent", {{"userId", "w_t"}, {"role", "MODERATOR"}, {"name", "T"}})
        .event(k_t0 + 10, "VOICE", "StartRecordingEvent",
               {{"filename", "/var/freeswitch/meetings/" + k_meeting + "-1.opus"}})
        .event(k_t0 + 500, "CAPTION", "EditCaptionHistoryEvent", edit(0, 0, "early ")) // before: cut
        .event(k_t0 + 1000, "PARTICIPANT", "RecordStatusEvent", {{"status", "true"}})
        .event(k_t0 + 1500, "CAPTION", "EditCaptionHistoryEvent", edit(6, 6, "Hello"))
        .event(k_t0 + 2000, "CAPTION", "EditCaptionHistoryEvent", edit(11, 11, " ")) // a lone space
        .event(k_t0 + 2100, "CAPTION", "EditCaptionHistoryEvent", edit(12, 12, "world"))
        .event(k_t0 + 2500, "CAPTION", "EditCaptionHistoryEvent", edit(6, 11, "Hallo")) // a correction
        .event(k_t0 + 4000, "PARTICIPANT", "RecordStatusEvent", {{"status", "false"}})
        .event(k_t0 + 4500, "CAPTION", "EditCaptionHistoryEvent", edit(17, 17, " secret")) // paused: cut
        .event(k_t0 + 5000, "PARTICIPANT", "RecordStatusEvent", {{"status", "true"}})
        .event(k_t0 + 6000, "CAPTION", "EditCaptionHistoryEvent", edit(24, 24, " again"))
        .event(k_t0 + 7000, "CAPTION", "EditCaptionHistoryEvent", edit(0, 0, "Tschüss <b>&", "de-DE", "Deutsch"))
        .event(k_t0 + 9000, "PARTICIPANT", "RecordStatusEvent", {{"status", "false"}})
        .event(k_t0 + 9500, "CAPTION", "EditCaptionHistoryEvent", edit(30, 30, " late")) // after: cut
        .event(k_t0 + 10000, "PARTICIPANT", "ParticipantLeftEvent", {{"userId", "w_t"}});
    a.write_events();
    a.audio_opus(k_meeting + "-1.opus", 10);
    return a;
}

} // namespace

TEST_CASE("captions: the pad replayed, cut by the recording marks, one WebVTT per locale at output times", "[unit]") {
    TempDir tmp;
    const ArchiveBuilder a = captioned_archive(tmp.path() / "archive");
    auto events = read_bbb_events(a.dir() / "events.xml");
    REQUIRE(events);
    const auto segments = recorded_segments(*events);
    REQUIRE(segments.size() == 2);
    CHECK(output_ms(segments, k_t0 + 1500) == 500);
    CHECK(output_ms(segments, k_t0 + 6000) == 4000); // 3 s of the first segment + 1 s

    const auto tracks = caption_tracks(*events, segments);
    REQUIRE(tracks.size() == 2);
    CHECK(tracks[0].locale_code == "de-DE");
    CHECK(tracks[0].locale_name == "Deutsch");
    // 7 s → 5 s of output; markup is escaped, so it cannot style or end a cue.
    CHECK(tracks[0].vtt == "WEBVTT\n\n00:00:05.000 --> 00:00:06.200\nTschüss &lt;b&gt;&amp;\n\n");
    CHECK(tracks[1].locale_code == "en-US");
    CHECK(tracks[1].locale_name == "English (United States)");
    // "Hallo world" typed at 1.5-2.1 s (0.5-1.1 s of output; the correction keeps the time
    // of what it replaced), at least 100 ms a character; "again" at 6 s (4 s of output)
    // after a break where the text typed during the pause was. Nothing typed before, between
    // or after the segments.
    CHECK(tracks[1].vtt == "WEBVTT\n\n"
                           "00:00:00.500 --> 00:00:01.600\nHallo world\n\n"
                           "00:00:04.000 --> 00:00:05.000\nagain\n\n");
    CHECK(tracks[1].cues == 2);
}

TEST_CASE("captions: long text is cut into lines of at most 32 characters, continuous within 1 s", "[unit]") {
    const std::string xml = fmt::format(
        "<recording meeting_id=\"m-1700000000000\">"
        "<event timestamp=\"1000\" module=\"CAPTION\" eventname=\"EditCaptionHistoryEvent\"><startIndex>0</startIndex>"
        "<endIndex>0</endIndex><locale>English</locale><localeCode>en</localeCode><text>{}</text></event>"
        "<event timestamp=\"1500\" module=\"CAPTION\" eventname=\"EditCaptionHistoryEvent\"><startIndex>{}</startIndex>"
        "<endIndex>{}</endIndex><locale>English</locale><localeCode>en</localeCode><text>{}</text></event>"
        "<event timestamp=\"40000\" module=\"X\" eventname=\"Last\"/></recording>",
        "Brüche kürzen heißt Zähler und Nenner", 37, 37, " durch dieselbe Zahl teilen");
    auto events = parse_bbb_events(xml, "test");
    REQUIRE(events);
    const auto tracks = caption_tracks(*events, recorded_segments(*events));
    REQUIRE(tracks.size() == 1);
    CHECK(tracks[0].locale_code == "en");
    // No marks: the whole meeting from its first event (1 s) is the output.
    CHECK(tracks[0].vtt == "WEBVTT\n\n"
                           "00:00:00.000 --> 00:00:03.000\nBrüche kürzen heißt Zähler und\n\n"
                           "00:00:00.000 --> 00:00:02.600\nNenner durch dieselbe Zahl\n\n"
                           "00:00:00.500 --> 00:00:01.500\nteilen\n\n");
}

TEST_CASE("shared notes: notes.txt as is, else notes.html reduced to text, else nothing", "[unit]") {
    CHECK(html_to_text("<html><head><title>pad</title><script>alert(1)</script></head><body>"
                       "<h1>Hausaufgaben</h1><ul><li>S. 42 &amp; 43</li><li>&#x00DC;bung&#33;</li></ul>"
                       "<p>Bis <b>Montag</b>&nbsp;<!-- x --></p><style>p{}</style></body></html>") ==
          "Hausaufgaben\n\n- S. 42 & 43\n- Übung!\n\nBis Montag\n");
    CHECK(html_to_text("a &lt;script&gt; b &unknown; c < d") == "a <script> b &unknown; c\n");

    TempDir tmp;
    fs::create_directories(tmp.path() / "notes");
    auto none = shared_notes_text(tmp.path());
    REQUIRE(none);
    CHECK_FALSE(*none);
    std::ofstream(tmp.path() / "notes" / "notes.html") << "<p>Heft <i>mitbringen</i></p>";
    auto from_html = shared_notes_text(tmp.path());
    REQUIRE(from_html);
    REQUIRE(*from_html);
    CHECK(**from_html == "Heft mitbringen\n");
    std::ofstream(tmp.path() / "notes" / "notes.txt") << "Heft mitbringen <i>\r\n\r\n\r\n";
    auto from_txt = shared_notes_text(tmp.path());
    REQUIRE(from_txt);
    REQUIRE(*from_txt);
    CHECK(**from_txt == "Heft mitbringen <i>\n");
    std::ofstream(tmp.path() / "notes" / "notes.txt") << " \n\n";
    auto blank = shared_notes_text(tmp.path());
    REQUIRE(blank);
    CHECK_FALSE(*blank);
}

TEST_CASE("an archive with captions and notes publishes captions_<locale>.vtt, captions.json and notes.txt",
          "[integration]") {
    TempDir tmp;
    ArchiveBuilder a = captioned_archive(tmp.path() / "archive");
    fs::create_directories(a.dir() / "notes");
    std::ofstream(a.dir() / "notes" / "notes.html") << "<p>Hausaufgaben: <b>S. 42</b></p><script>x()</script>";

    auto report = import_archive(a.dir(), tmp.path() / "raw");
    REQUIRE(report);
    INFO(report->describe_unsupported());
    CHECK(report->unsupported.empty()); // EditCaptionHistoryEvent is no longer unsupported
    CHECK(report->captions == std::vector<std::string>{"de-DE", "en-US"});
    CHECK(report->notes);

    transcode::RenderOptions options;
    options.output.width = 320;
    options.output.height = 180;
    options.output.frame_rate = Rational{1, 1};
    options.output.threads = 1;
    options.output.mp4 = false;
    WarningCounter warnings("transcode");
    auto summary = transcode::render_recording(tmp.path() / "raw", tmp.path() / "out", options, {});
    REQUIRE(summary);
    CHECK(warnings.messages().empty());
    CHECK(summary->duration_ms == 7000); // the two segments, the pause cut
    const fs::path out = tmp.path() / "out";
    CHECK(read(out / "captions_en-US.vtt") == read(tmp.path() / "raw" / "sidecars" / "captions_en-US.vtt"));
    CHECK_THAT(read(out / "captions_en-US.vtt"), Catch::Contains("00:00:04.000 --> 00:00:05.000\nagain"));
    CHECK_THAT(read(out / "captions_de-DE.vtt"), Catch::StartsWith("WEBVTT"));
    CHECK(read(out / "notes.txt") == "Hausaufgaben: S. 42\n");
    const auto index = nlohmann::json::parse(read(out / "captions.json"));
    REQUIRE(index.size() == 2);
    CHECK(index[1] ==
          nlohmann::json{{"file", "captions_en-US.vtt"}, {"locale", "en-US"}, {"label", "English (United States)"}});
    // Listed in the manifest, so they are served and checksummed on publishing.
    const auto manifest = nlohmann::json::parse(read(out / "manifest.json"));
    std::set<std::string> listed;
    for (const auto& f : manifest["files"]) listed.insert(f["name"].get<std::string>());
    for (const char* name : {"captions_en-US.vtt", "captions_de-DE.vtt", "captions.json", "notes.txt"}) {
        INFO(name);
        CHECK(listed.contains(name));
    }

    // An archive without captions or notes gets neither.
    TempDir plain;
    ArchiveBuilder b(plain.path() / "archive", k_meeting, "2.4.0");
    b.event(k_t0, "PARTICIPANT", "ParticipantJoinEvent", {{"userId", "w_t"}, {"role", "MODERATOR"}, {"name", "T"}})
        .event(k_t0 + 3000, "PARTICIPANT", "ParticipantLeftEvent", {{"userId", "w_t"}});
    b.write_events();
    auto plain_report = import_archive(b.dir(), plain.path() / "raw");
    REQUIRE(plain_report);
    CHECK(plain_report->captions.empty());
    CHECK_FALSE(plain_report->notes);
    CHECK_FALSE(fs::exists(plain.path() / "raw" / "sidecars"));
}
