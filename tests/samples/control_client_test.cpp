#include "samples/control_client.hpp"

#include "fake_recorder.hpp"

#include <catch2/catch.hpp>

using namespace tafel::samples;
using tafel::Errc;

TEST_CASE("control urls are parsed or refused with the url in the message", "[unit]") {
    auto plain = ControlClient::create("http://127.0.0.1:8090");
    REQUIRE(plain);
    CHECK(plain->host() == "127.0.0.1");
    CHECK(plain->port() == 8090);

    auto no_port = ControlClient::create("http://recorder.schule.example/");
    REQUIRE(no_port);
    CHECK(no_port->port() == 80);

    auto v6 = ControlClient::create("http://[::1]:9000/prefix");
    REQUIRE(v6);
    CHECK(v6->host() == "::1");
    CHECK(v6->port() == 9000);

    for (const char* bad : {"https://x:1", "http://:80", "http://x:0", "http://x:70000", "http://x:8o", "x:80"}) {
        INFO(bad);
        auto r = ControlClient::create(bad);
        REQUIRE_FALSE(r);
        CHECK(r.error().code == Errc::invalid_argument);
        CHECK(r.error().message.find(bad) != std::string::npos);
    }
}

TEST_CASE("percent_encode keeps unreserved characters and encodes UTF-8 bytes", "[unit]") {
    CHECK(percent_encode("Brüche.pdf") == "Br%C3%BCche.pdf");
    CHECK(percent_encode("a b&c=d/e?f") == "a%20b%26c%3Dd%2Fe%3Ff");
    CHECK(percent_encode("A-z_0.9~") == "A-z_0.9~");
}

TEST_CASE("the client speaks the documented requests and reads the answers", "[integration]") {
    tafel::samples::test::FakeRecorder recorder({41000});
    auto client = ControlClient::create(recorder.url());
    REQUIRE(client);
    auto id = client->create_session({"m", "Mathe", "klasse", {{"teacher", "Frau Müller", "moderator", "granted"}}});
    REQUIRE(id);
    CHECK(*id == "rec-1");
    auto grant = client->add_stream(*id, {"audio", "opus", 111, 48000, 2, "teacher"});
    REQUIRE(grant);
    CHECK(grant->track == "t1");
    CHECK(grant->port == 41000);
    // The fake hands out one port only: the second stream is refused with 409.
    auto refused = client->add_stream(*id, {"audio", "opus", 111, 48000, 2, "pupil1"});
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == Errc::already_exists);
    CHECK(refused.error().message.find("HTTP 409") != std::string::npos);
    CHECK(refused.error().message.find("no more ports") != std::string::npos);

    ScriptedEvent chat;
    chat.participant = "teacher";
    chat.name = "Frau Müller";
    chat.text = "Hallo 👍";
    auto accepted = client->post_events(*id, {chat, chat});
    REQUIRE(accepted);
    CHECK(*accepted == 2);
    CHECK(client->stop(*id));

    auto missing = client->stop("nope");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == Errc::not_found);
    CHECK(missing.error().message.find("POST /api/v1/sessions/nope/stop") != std::string::npos);
}
