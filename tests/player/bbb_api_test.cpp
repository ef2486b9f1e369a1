// BigBlueButton's getRecordings: BBB's documented checksum vector, every SHA variant, the
// XML shape a BBB client reads, and the filters.
#include "player/detail/bbb_api.hpp"
#include "tests/player/fixture.hpp"
#include "tests/player/http_client.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

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
