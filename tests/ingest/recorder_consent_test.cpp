// Issue 3, "Privacy": a consent_changed event takes effect from that instant: a pupil's media
// is written only between the grant and the withdrawal; a moderator is always recorded.
#include "fake_catalog.hpp"
#include "http_client.hpp"
#include "ingest/pcap_reader.hpp"
#include "ingest/raw_recording.hpp"
#include "ingest/recorder.hpp"
#include "storage/layout.hpp"
#include "two_voices.hpp"
#include "tests/support/temp_dir.hpp"

#include <catch2/catch.hpp>

using namespace tafel;
using namespace tafel::ingest;
using nlohmann::json;

TEST_CASE("consent_changed starts and stops writing a participant's media from that instant",
          "[integration][ingest][recorder]") {
    tafel::test::TempDir dir("tafel-recorder-consent");
    const storage::Layout layout(dir.path());
    ingest::test::FakeCatalog catalog;
    auto recorder = Recorder::create(RecorderOptions{"127.0.0.1", 0, 47300, 47399}, catalog, layout);
    REQUIRE(recorder);
    REQUIRE((*recorder)->start());
    const std::uint16_t port = (*recorder)->control_port();
    const std::string id =
        ingest::test::http_post(
            port, "/api/v1/sessions",
            {{"meeting_id", "consent"},
             {"name", "Englisch 8"},
             {"context", "8b"},
             {"participants",
              {{{"id", "teacher"}, {"name", "Mr Brown"}, {"role", "moderator"}, {"consent", "unknown"}},
               {{"id", "pupil"}, {"name", "Lea"}, {"role", "viewer"}, {"consent", "unknown"}}}}})
            .json()["id"];
    const std::string base = "/api/v1/sessions/" + id;
    ingest::test::TwoVoices voices(port, base, "pupil", "teacher");
    CHECK(voices.pupil.json()["recorded"] == false);
    auto consent = [&](const std::string& who, const std::string& value) {
        return ingest::test::http_post(port, base + "/events",
                                       {{"type", "consent_changed"}, {"participant", who}, {"consent", value}});
    };

    voices.send_five(); // unknown consent: counted, not written
    REQUIRE(ingest::test::wait_until([&] { return voices.track(0)["dropped_by_reason"]["not_recordable"] == 5; }));
    REQUIRE(consent("pupil", "granted").status == 202);
    CHECK(voices.track(0)["recorded"] == true);
    voices.send_five(); // written
    REQUIRE(ingest::test::wait_until([&] { return voices.track(0)["packets"] == 5; }));
    REQUIRE(consent("pupil", "denied").status == 202);
    REQUIRE(consent("teacher", "denied").status == 202);   // a moderator is recorded regardless
    CHECK(voices.track(0)["recorded"] == false);
    voices.send_five(); // withdrawn: counted, not written
    REQUIRE(ingest::test::wait_until([&] {
        return voices.track(0)["dropped_by_reason"]["not_recordable"] == 10 && voices.track(1)["packets"] == 15;
    }));
    CHECK(voices.track(0)["packets"] == 5);
    CHECK(consent("nobody", "granted").status == 400);
    CHECK(consent("pupil", "maybe").status == 400);

    REQUIRE(ingest::test::http_post(port, base + "/stop", json::object()).status == 200);
    (*recorder)->stop();
    const auto raw = layout.raw_dir(id);
    auto info = read_recording_info(raw);
    REQUIRE(info);
    REQUIRE(info->tracks.size() == 2);   // the pupil's track joined when consent was granted
    const Participant* p = info->participant("pupil");
    REQUIRE(p);
    CHECK(p->consent == Consent::denied);
    auto records = read_pcap(raw / "tracks" / "t1.pcap", info->anchor);
    REQUIRE(records);
    REQUIRE(records->size() == 5);
    for (std::size_t i = 0; i < 5; ++i) CHECK((*records)[i].payload == voices.pupil_sent[5 + i]);
    auto teacher_records = read_pcap(raw / "tracks" / "t2.pcap", info->anchor);
    REQUIRE(teacher_records);
    CHECK(teacher_records->size() == 15);
}
