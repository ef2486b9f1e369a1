#include "batch_fixture.hpp"

#include "archive_builder.hpp"

#include <fmt/format.h>

#include <fstream>

namespace tafel::archive::test {

namespace fs = std::filesystem;

namespace {

struct Media {
    fs::path webm, opus, pdf;
};

// One 2-second archive (webcam, conference audio, a deck) with media hard-linked from `m`.
void make_archive(const fs::path& root, int n, const Media& m) {
    const std::string meeting = fmt::format("{:040x}-{}", n + 1, 1'700'000'000'000 + n * 3'600'000);
    ArchiveBuilder a(root / fmt::format("archive-{:02}", n), meeting, "2.4.0");
    const std::string cam = fmt::format("w_t_cam-{}", n);
    const std::int64_t t0 = 1'000'000;
    a.event(t0, "PARTICIPANT", "ParticipantJoinEvent", {{"userId", "w_t"}, {"role", "MODERATOR"}, {"name", "T"}})
        .event(t0 + 10, "PRESENTATION", "SharePresentationEvent", {{"presentationName", "pres"}, {"share", "true"}})
        .event(t0 + 20, "VOICE", "StartRecordingEvent", {{"filename", "/var/freeswitch/meetings/" + meeting + ".opus"}})
        .event(t0 + 500, "WEBRTC", "StartWebRTCShareEvent", {{"filename", "/x/" + cam + ".webm"}, {"stream", cam}})
        .event(t0 + 1500, "CHAT", "PublicChatEvent", {{"message", "hallo"}, {"sender", "T"}, {"senderId", "w_t"}})
        .event(t0 + 2000, "PARTICIPANT", "ParticipantLeftEvent", {{"userId", "w_t"}});
    a.write_events(n == 7 ? 500 : 0); // 7: truncated events.xml
    fs::create_directories(a.dir() / "audio");
    fs::create_hard_link(m.opus, a.dir() / "audio" / (meeting + ".opus"));
    if (n != 23) { // 23: the webcam file is missing
        fs::create_directories(a.dir() / "video" / meeting);
        fs::create_hard_link(m.webm, a.dir() / "video" / meeting / (cam + ".webm"));
    }
    fs::create_directories(a.dir() / "presentation" / "pres");
    if (n == 41) { // 41: the PDF is unreadable
        std::ofstream(a.dir() / "presentation" / "pres" / "pres.pdf") << "%PDF-1.5 but nothing after";
    } else {
        fs::create_hard_link(m.pdf, a.dir() / "presentation" / "pres" / "pres.pdf");
    }
}

} // namespace

void make_batch(const fs::path& tmp, int count) {
    ArchiveBuilder media(tmp / "media", "m-1700000000000");
    Media m{media.webcam_webm("cam.webm", 1.5, "green"), media.audio_opus("audio.opus", 2), media.deck("pres", 2)};
    for (int n = 0; n < count; ++n) make_archive(tmp / "archives", n, m);
}

} // namespace tafel::archive::test
