// Issue 3, "Control API … authenticated with the shared secret as an HMAC checksum".
#include "core/hmac.hpp"
#include "fake_catalog.hpp"
#include "http_client.hpp"
#include "ingest/recorder.hpp"
#include "storage/layout.hpp"
#include "tests/support/temp_dir.hpp"

#include <catch2/catch.hpp>

using namespace tafel;
using namespace tafel::ingest;
using nlohmann::json;
namespace http = boost::beast::http;

TEST_CASE("with a secret the control API answers only signed requests", "[integration][ingest][recorder]") {
    tafel::test::TempDir dir("tafel-recorder-auth");
    const storage::Layout layout(dir.path());
    ingest::test::FakeCatalog catalog;
    RecorderOptions options{"127.0.0.1", 0, 47400, 47499};
    options.secret = "s3cret";
    auto recorder = Recorder::create(options, catalog, layout);
    REQUIRE(recorder);
    REQUIRE((*recorder)->start());
    const std::uint16_t port = (*recorder)->control_port();
    const std::string body = json{{"meeting_id", "auth"},
                                  {"name", "Sport"},
                                  {"context", "5a"},
                                  {"participants", {{{"id", "t"}, {"name", "T"}, {"role", "moderator"}, {"consent", "unknown"}}}}}
                                 .dump();

    auto unsigned_reply = ingest::test::http_request(port, http::verb::post, "/api/v1/sessions", body);
    CHECK(unsigned_reply.status == 401);
    CHECK(unsigned_reply.json()["error"].get<std::string>().find("X-Tafel-Signature is missing") != std::string::npos);
    auto wrong = ingest::test::http_request(port, http::verb::post, "/api/v1/sessions", body,
                                            control_signature("other", "POST", "/api/v1/sessions", body));
    CHECK(wrong.status == 401);
    CHECK(wrong.json()["error"].get<std::string>().find("is wrong") != std::string::npos);
    // A signature of another body (replayed onto a changed request) does not pass.
    auto tampered = ingest::test::http_request(port, http::verb::post, "/api/v1/sessions", body + " ",
                                               control_signature("s3cret", "POST", "/api/v1/sessions", body));
    CHECK(tampered.status == 401);
    CHECK(catalog.list_recordings("")->empty());

    auto ok = ingest::test::http_request(port, http::verb::post, "/api/v1/sessions", body,
                                         control_signature("s3cret", "POST", "/api/v1/sessions", body));
    REQUIRE(ok.status == 201);
    const std::string id = ok.json()["id"];
    const std::string target = "/api/v1/sessions/" + id + "?verbose=1";   // the query is signed too
    CHECK(ingest::test::http_request(port, http::verb::get, target, "", control_signature("s3cret", "GET", target, ""))
              .status == 200);
    CHECK(ingest::test::http_request(port, http::verb::get, target, "",
                                     control_signature("s3cret", "GET", "/api/v1/sessions/" + id, ""))
              .status == 401);
    // Prometheus scrapes without a signature.
    CHECK(ingest::test::http_get(port, "/metrics").status == 200);
}
