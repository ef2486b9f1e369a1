// BigBlueButton's getRecordings: BBB's documented checksum vector, every SHA variant, the
// XML shape a BBB client reads, and the filters.
#include "player/detail/bbb_api.hpp"
#include "tests/player/fixture.hpp"
#include "tests/player/http_client.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <filesystem>

using namespace tafel::player::detail;
using namespace tafel::player::test;

namespace {

constexpr const char* k_bbb_secret = "639259d4-9dd8-4b25-bf01-95f9567eaf4b";

std::string signed_query(const std::string& call, const std::string& query, std::size_t hex_length = 40,
                         const char* secret = k_bbb_secret) {
    const auto sum = sha_hex_for_length(hex_length, call + query + secret);
    return query.empty() ? "checksum=" + sum : query + "&checksum=" + sum;
}

} // namespace

TEST_CASE("BBB checksum: the documented vector and SHA-1/256/384/512", "[unit]") {
    // docs.bigbluebutton.org, API reference, "Usage": create with this query and secret.
    const std::string query = "name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444";
    CHECK(sha_hex_for_length(40, "create" + query + k_bbb_secret) == "1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17");
    CHECK(bbb_checksum_ok("create", query + "&checksum=1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17", k_bbb_secret));
    CHECK(bbb_checksum_ok("create", query + "&checksum=1FCBB0C4FC1F039F73AA6D697D2DB9BA7F803F17", k_bbb_secret));
    CHECK_FALSE(bbb_checksum_ok("getRecordings", query + "&checksum=1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17",
                                k_bbb_secret));
    for (std::size_t n : {40u, 64u, 96u, 128u}) {
        CHECK(bbb_checksum_ok("getRecordings", signed_query("getRecordings", "meetingID=m1", n), k_bbb_secret));
        CHECK_FALSE(bbb_checksum_ok("getRecordings", signed_query("getRecordings", "meetingID=m1", n, "other"),
                                    k_bbb_secret));
    }
    CHECK_FALSE(bbb_checksum_ok("getRecordings", "meetingID=m1", k_bbb_secret)); // none
    CHECK_FALSE(bbb_checksum_ok("getRecordings", "meetingID=m1&checksum=abc", k_bbb_secret));
    CHECK_FALSE(bbb_checksum_ok("getRecordings", signed_query("getRecordings", "", 40, ""), ""));
}

TEST_CASE("getRecordings filters by ids, prefixes, state and meta, and pages", "[unit]") {
    std::vector<tafel::storage::RecordingRow> rows(3);
    rows[0] = {"m1-100", "m1", "Mathe <7b>", "klasse-7b", tafel::storage::RecordingState::published, 100'000'000, 125'000, ""};
    rows[1] = {"m1-200", "m1", "Mathe 2", "klasse-7b", tafel::storage::RecordingState::processing, 200'000'000, 0, ""};
    rows[2] = {"m2-300", "m2", "Deutsch", "klasse-5a", tafel::storage::RecordingState::published, 300'000'000, 60'000, ""};
    const auto all = bbb_get_recordings(rows, "", "http://h:1");
    CHECK(all.find("<returncode>SUCCESS</returncode>") != std::string::npos);
    CHECK(all.find("<recordID>m1-100</recordID>") != std::string::npos);
    CHECK(all.find("<recordID>m2-300</recordID>") != std::string::npos);
    CHECK(all.find("m1-200") == std::string::npos); // processing is not listed by default
    CHECK(all.find("<name>Mathe &lt;7b&gt;</name>") != std::string::npos);
    CHECK(all.find("<url>http://h:1/r/m1-100</url>") != std::string::npos);
    CHECK(all.find("<length>3</length>") != std::string::npos); // 2:05 → 3 started minutes
    CHECK(all.find("<startTime>100000</startTime><endTime>225000</endTime>") != std::string::npos);

    CHECK(bbb_get_recordings(rows, "meetingID=m2", "").find("m1-100") == std::string::npos);
    const auto prefix = bbb_get_recordings(rows, "recordID=m1-&state=any", "");
    CHECK(prefix.find("m1-100") != std::string::npos);
    CHECK(prefix.find("m1-200") != std::string::npos);
    CHECK(prefix.find("m2-300") == std::string::npos);
    const auto listed = bbb_get_recordings(rows, "recordID=m2-300,m1-100", "");
    CHECK(listed.find("<totalElements>2</totalElements>") != std::string::npos);
    CHECK(bbb_get_recordings(rows, "state=processing", "").find("m1-200") != std::string::npos);
    CHECK(bbb_get_recordings(rows, "meta_bbb-context=klasse-5a", "").find("m1-100") == std::string::npos);
    CHECK(bbb_get_recordings(rows, "meta_bbb-context=klasse-5a", "").find("m2-300") != std::string::npos);
    const auto page = bbb_get_recordings(rows, "offset=1&limit=1", "");
    CHECK(page.find("<recordID>m2-300</recordID>") != std::string::npos);
    CHECK(page.find("m1-100") == std::string::npos);
    const auto none = bbb_get_recordings(rows, "meetingID=zzz", "");
    CHECK(none.find("<messageKey>noRecordings</messageKey>") != std::string::npos);
}

TEST_CASE("the BBB API over HTTP needs the checksum and lists the published recording", "[integration]") {
    tafel::player::ServerOptions options;
    options.secret = k_bbb_secret;
    ServerFixture fx(options);
    const auto bad = http_request(fx.port(), "GET", "/bigbluebutton/api/getRecordings?meetingID=mathe-7b&checksum=00");
    CHECK(bad.status == 200);
    CHECK(bad.body.find("<messageKey>checksumError</messageKey>") != std::string::npos);
    const auto ok = http_request(fx.port(), "GET",
                                 "/bigbluebutton/api/getRecordings?" + signed_query("getRecordings", "meetingID=mathe-7b", 64),
                                 {{"Host", "school.example:8080"}});
    REQUIRE(ok.status == 200);
    CHECK(ok.header("content-type") == "application/xml; charset=utf-8");
    CHECK(ok.body.find(fmt::format("<recordID>{}</recordID>", k_id)) != std::string::npos);
    CHECK(ok.body.find(fmt::format("<url>http://school.example:8080/r/{}</url>", k_id)) != std::string::npos);
    // Without a secret the API is off: no checksum can pass.
    ServerFixture open;
    CHECK(http_request(open.port(), "GET", "/bigbluebutton/api/getRecordings?" +
                                               signed_query("getRecordings", "", 40, ""))
              .body.find("checksumError") != std::string::npos);
}

namespace {

std::string bbb_call(std::uint16_t port, const std::string& call, const std::string& query, std::size_t hex = 40) {
    const auto reply = http_request(port, "GET", "/bigbluebutton/api/" + call + "?" + signed_query(call, query, hex));
    REQUIRE(reply.status == 200); // BBB tells failures in <returncode>, never in the status
    return reply.body;
}

bool has(const std::string& body, const std::string& part) { return body.find(part) != std::string::npos; }

} // namespace

TEST_CASE("publishRecordings, updateRecordings and deleteRecordings answer like BBB", "[integration]") {
    tafel::player::ServerOptions options;
    options.secret = k_bbb_secret;
    ServerFixture fx(options);
    const auto port = fx.port();
    const std::string id = k_id;

    // Missing parameters and unknown recordings, with BBB's message keys.
    CHECK(has(bbb_call(port, "publishRecordings", "publish=false"), "<messageKey>missingParamRecordID</messageKey>"));
    CHECK(has(bbb_call(port, "publishRecordings", "recordID=" + id), "<messageKey>missingParamPublish</messageKey>"));
    CHECK(has(bbb_call(port, "publishRecordings", "recordID=nope&publish=true"), "<messageKey>notFound</messageKey>"));
    CHECK(has(bbb_call(port, "deleteRecordings", ""), "<messageKey>missingParamRecordID</messageKey>"));
    // A recording still processing cannot be published.
    CHECK(has(bbb_call(port, "publishRecordings", fmt::format("recordID={}&publish=true", k_processing_id)),
              "<messageKey>notFound</messageKey>"));

    // Unpublish: listed as unpublished, gone for viewers of the page.
    const auto unpublished = bbb_call(port, "publishRecordings", fmt::format("recordID={}&publish=false", id), 64);
    CHECK(has(unpublished, "<returncode>SUCCESS</returncode><published>false</published>"));
    const auto listed = bbb_call(port, "getRecordings", "recordID=" + id);
    CHECK(has(listed, "<published>false</published><state>unpublished</state>"));
    CHECK(http_request(port, "GET", fmt::format("/r/{}/media/lesson.mp4", id)).status == 403); // no grant
    auto row = fx.data.catalog->recording(id);
    REQUIRE(row.has_value());
    CHECK((*row)->state == tafel::storage::RecordingState::unpublished);
    CHECK_FALSE(has(bbb_call(port, "getRecordings", "state=published"), id));
    CHECK(has(bbb_call(port, "publishRecordings", fmt::format("recordID={}&publish=true", id), 128),
              "<published>true</published>"));
    CHECK((*fx.data.catalog->recording(id))->state == tafel::storage::RecordingState::published);

    // updateRecordings: meta_* are kept, listed in <metadata>, and filter getRecordings.
    CHECK(has(bbb_call(port, "updateRecordings", fmt::format("recordID={}&meta_presenter=Frau+M%C3%BCller&meta_bad%3Ckey=x", id), 96),
              "<returncode>SUCCESS</returncode><updated>true</updated>"));
    const auto with_meta = bbb_call(port, "getRecordings", "meta_presenter=Frau+M%C3%BCller");
    CHECK(has(with_meta, "<presenter>Frau Müller</presenter>"));
    CHECK(has(with_meta, fmt::format("<recordID>{}</recordID>", id)));
    CHECK_FALSE(has(with_meta, "bad"));
    CHECK_FALSE(has(bbb_call(port, "getRecordings", "meta_presenter=Herr+X"), id));
    // An empty value removes the key.
    bbb_call(port, "updateRecordings", fmt::format("recordID={}&meta_presenter=", id));
    CHECK_FALSE(has(bbb_call(port, "getRecordings", "recordID=" + id), "<presenter>"));

    // deleteRecordings: files and row gone; a second delete finds nothing.
    CHECK(has(bbb_call(port, "deleteRecordings", "recordID=" + id), "<deleted>true</deleted>"));
    CHECK_FALSE(std::filesystem::exists(fx.data.layout.published_dir(id)));
    CHECK_FALSE(fx.data.catalog->recording(id)->has_value());
    CHECK(has(bbb_call(port, "deleteRecordings", "recordID=" + id), "<messageKey>notFound</messageKey>"));
    CHECK_FALSE(has(bbb_call(port, "getRecordings", ""), id));
}
