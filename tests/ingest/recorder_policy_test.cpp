// Issue 9 items 1-3: the consent policy per context and per session. Under teacher_only a
// pupil's media is never written even with consent granted; a pupil whose consent is denied
// (or any pupil under teacher_only) has no chat line in events.jsonl; the policy is in
// recording.json and in the catalog's "created" audit entry. Real sockets, a real SQLite
// catalog.
#include "http_client.hpp"
#include "ingest/raw_recording.hpp"
#include "ingest/recorder.hpp"
#include "storage/catalog.hpp"
#include "storage/layout.hpp"
#include "tests/support/temp_dir.hpp"
#include "two_voices.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace tafel;
using namespace tafel::ingest;
using nlohmann::json;

namespace {

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

json session_request(const std::string& meeting, const std::string& context, const std::string& policy) {
    json j = {{"meeting_id", meeting},
              {"name", "Physik 9"},
              {"context", context},
              {"participants",
               {{{"id", "teacher"}, {"name", "Frau Kurz"}, {"role", "moderator"}, {"consent", "unknown"}},
                {{"id", "paula"}, {"name", "Paula Zustimmer"}, {"role", "viewer"}, {"consent", "granted"}},
                {{"id", "dora"}, {"name", "Dora Ablehner"}, {"role", "viewer"}, {"consent", "denied"}},
                {{"id", "udo"}, {"name", "Udo Unbekannt"}, {"role", "viewer"}, {"consent", "unknown"}}}}};
    if (!policy.empty()) j["consent_policy"] = policy;
    return j;
}

json chat(const std::string& who, const std::string& text) {
    return {{"type", "chat"}, {"participant", who}, {"name", who}, {"text", text}};
}

} // namespace

TEST_CASE("teacher_only session: a consenting pupil's media and chat are never written",
          "[integration][ingest][recorder]") {
    tafel::test::TempDir dir("tafel-recorder-policy");
    const storage::Layout layout(dir.path());
    auto catalog = storage::Catalog::open("sqlite:" + (dir.path() / "tafel.db").string());
    REQUIRE(catalog);
    auto recorder = Recorder::create(RecorderOptions{"127.0.0.1", 0, 46140, 46199}, **catalog, layout);
    REQUIRE(recorder);
    REQUIRE((*recorder)->start());
    const std::uint16_t port = (*recorder)->control_port();
    const auto created =
        ingest::test::http_post(port, "/api/v1/sessions", session_request("policy-t", "9a", "teacher_only"));
    REQUIRE(created.status == 201);
    const std::string id = created.json()["id"];
    const std::string base = "/api/v1/sessions/" + id;
    CHECK(ingest::test::http_get(port, base).json()["consent_policy"] == "teacher_only");

    ingest::test::TwoVoices voices(port, base, "paula", "teacher");
    CHECK(voices.pupil.json()["recorded"] == false); // consent granted, but the policy says teacher only
    voices.send_five();
    REQUIRE(ingest::test::wait_until([&] {
        return voices.track(0)["dropped_by_reason"]["not_recordable"] == 5 && voices.track(1)["packets"] == 5;
    }));
    // A consent granted again changes nothing under teacher_only.
    REQUIRE(ingest::test::http_post(port, base + "/events",
                                    {{"type", "consent_changed"}, {"participant", "paula"}, {"consent", "granted"}})
                .status == 202);
    CHECK(voices.track(0)["recorded"] == false);
    voices.send_five();
    REQUIRE(ingest::test::wait_until([&] {
        return voices.track(0)["dropped_by_reason"]["not_recordable"] == 10 && voices.track(1)["packets"] == 10;
    }));
    CHECK(voices.track(0)["packets"] == 0);
    for (const auto& [who, text] : std::vector<std::pair<std::string, std::string>>{
             {"paula", "Paulas Frage"}, {"udo", "Udos Frage"}, {"teacher", "Lehrerinnen-Antwort"}}) {
        REQUIRE(ingest::test::http_post(port, base + "/events", chat(who, text)).status == 202);
    }
    REQUIRE(ingest::test::http_post(port, base + "/stop", json::object()).status == 200);
    (*recorder)->stop();

    const auto raw = layout.raw_dir(id);
    auto info = read_recording_info(raw);
    REQUIRE(info);
    CHECK(info->policy == ConsentPolicy::teacher_only);
    CHECK(json::parse(read_text(raw / "recording.json"))["consent_policy"] == "teacher_only");
    REQUIRE(info->tracks.size() == 1); // the teacher's only
    CHECK(info->tracks[0].participant == "teacher");
    CHECK_FALSE(std::filesystem::exists(raw / "tracks" / "t1.pcap"));
    const std::string events = read_text(raw / "events.jsonl");
    CHECK(events.find("Lehrerinnen-Antwort") != std::string::npos);
    CHECK(events.find("Paulas Frage") == std::string::npos);
    CHECK(events.find("Udos Frage") == std::string::npos);

    auto audit = (*catalog)->audit(storage::AuditFilter{id, "created"});
    REQUIRE(audit);
    REQUIRE(audit->size() == 1);
    CHECK((*audit)[0].actor == "recorder");
    CHECK(json::parse((*audit)[0].details)["consent_policy"] == "teacher_only");
    CHECK((*audit)[0].details.find("Paula") == std::string::npos); // no names in the audit log
}

TEST_CASE("the context's consent policy applies when a session names none, and denied chat is not stored",
          "[integration][ingest][recorder]") {
    tafel::test::TempDir dir("tafel-recorder-policy-ctx");
    const storage::Layout layout(dir.path());
    auto catalog = storage::Catalog::open("sqlite:" + (dir.path() / "tafel.db").string());
    REQUIRE(catalog);
    RecorderOptions options{"127.0.0.1", 0, 46200, 46259};
    auto policies = ConsentPolicies::parse("consenting", "klasse-5a=teacher_only");
    REQUIRE(policies);
    options.consent_policies = *policies;
    auto recorder = Recorder::create(options, **catalog, layout);
    REQUIRE(recorder);
    REQUIRE((*recorder)->start());
    const std::uint16_t port = (*recorder)->control_port();

    const auto in_5a = ingest::test::http_post(port, "/api/v1/sessions", session_request("ctx-5a", "klasse-5a", ""));
    REQUIRE(in_5a.status == 201);
    CHECK(ingest::test::http_get(port, "/api/v1/sessions/" + in_5a.json()["id"].get<std::string>())
              .json()["consent_policy"] == "teacher_only");
    // A session may choose for itself (the portal's teacher-only switch, or back).
    const auto chosen =
        ingest::test::http_post(port, "/api/v1/sessions", session_request("ctx-5a-b", "klasse-5a", "consenting"));
    REQUIRE(chosen.status == 201);
    CHECK(ingest::test::http_get(port, "/api/v1/sessions/" + chosen.json()["id"].get<std::string>())
              .json()["consent_policy"] == "consenting");
    const auto bad = ingest::test::http_post(port, "/api/v1/sessions", session_request("ctx-bad", "x", "nobody"));
    CHECK(bad.status == 400);
    CHECK(bad.text.find("consent_policy") != std::string::npos);

    const auto other = ingest::test::http_post(port, "/api/v1/sessions", session_request("ctx-7c", "klasse-7c", ""));
    REQUIRE(other.status == 201);
    const std::string id = other.json()["id"];
    const std::string base = "/api/v1/sessions/" + id;
    CHECK(ingest::test::http_get(port, base).json()["consent_policy"] == "consenting");
    for (const auto& [who, text] : std::vector<std::pair<std::string, std::string>>{
             {"dora", "Doras erste Zeile"}, {"udo", "Udos Zeile"}, {"paula", "Paulas Zeile"}}) {
        REQUIRE(ingest::test::http_post(port, base + "/events", chat(who, text)).status == 202);
    }
    // Dora grants consent mid-lesson: her later lines are stored; Paula withdraws hers.
    REQUIRE(ingest::test::http_post(port, base + "/events",
                                    {{"type", "consent_changed"}, {"participant", "dora"}, {"consent", "granted"}})
                .status == 202);
    REQUIRE(ingest::test::http_post(port, base + "/events",
                                    {{"type", "consent_changed"}, {"participant", "paula"}, {"consent", "denied"}})
                .status == 202);
    REQUIRE(ingest::test::http_post(port, base + "/events", chat("dora", "Doras zweite Zeile")).status == 202);
    REQUIRE(ingest::test::http_post(port, base + "/events", chat("paula", "Paulas Widerruf-Zeile")).status == 202);
    REQUIRE(ingest::test::http_post(port, base + "/stop", json::object()).status == 200);
    (*recorder)->stop();

    const auto raw = layout.raw_dir(id);
    const std::string events = read_text(raw / "events.jsonl");
    CHECK(events.find("Doras erste Zeile") == std::string::npos); // denied at that instant
    CHECK(events.find("Udos Zeile") != std::string::npos);        // unknown: kept (pseudonym later)
    CHECK(events.find("Paulas Zeile") != std::string::npos);
    CHECK(events.find("Doras zweite Zeile") != std::string::npos);
    CHECK(events.find("Paulas Widerruf-Zeile") == std::string::npos);
    // Each consent change carries the consent before it, for the renderer's timeline.
    auto logged = read_events(raw);
    REQUIRE(logged);
    int changes = 0;
    for (const auto& e : *logged) {
        if (e.type != "consent_changed") continue;
        const auto j = json::parse(e.json);
        CHECK(j["was"] == (j["participant"] == "dora" ? "denied" : "granted"));
        ++changes;
    }
    CHECK(changes == 2);
}
