// HTML escaping, dates and durations as the pages and headers show them.
#include "player/detail/html.hpp"
#include "player/detail/http_date.hpp"
#include "player/detail/media_file.hpp"
#include "player/detail/published.hpp"

#include <catch2/catch.hpp>

using namespace tafel::player::detail;

TEST_CASE("escape neutralises markup in text and attributes", "[unit]") {
    CHECK(escape(R"(<script>alert("x")</script> & 'y')") ==
          "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;");
    CHECK(escape("Brüche") == "Brüche");
}

TEST_CASE("durations and dates in the German UI", "[unit]") {
    CHECK(format_duration(0) == "0:00");
    CHECK(format_duration(125'000) == "2:05");
    CHECK(format_duration(3'723'999) == "1:02:03");
    CHECK(format_duration(-5) == "0:00");
    CHECK(format_date_de(1'700'000'000'000'000) == "14.11.2023, 22:13 UTC");
    CHECK(format_iso8601(1'700'000'000'000'000) == "2023-11-14T22:13:20Z");
    CHECK(format_date_de(0) == "01.01.1970, 00:00 UTC");
    CHECK(format_iso8601(951'782'400'000'000) == "2000-02-29T00:00:00Z"); // leap day
}

TEST_CASE("HTTP-date round-trips in IMF-fixdate", "[unit]") {
    CHECK(format_http_date(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT"); // RFC 9110 5.6.7
    CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777);
    for (std::int64_t t : {0LL, 951782400LL, 1700000000LL, 4102444799LL})
        CHECK(parse_http_date(format_http_date(t)) == t);
    CHECK_FALSE(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT").has_value());
    CHECK_FALSE(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT").has_value());
    CHECK_FALSE(parse_http_date("").has_value());
}

TEST_CASE("entity-tag lists use weak comparison", "[unit]") {
    CHECK(etag_list_matches("\"a\"", "\"a\""));
    CHECK(etag_list_matches("W/\"a\"", "\"a\""));
    CHECK(etag_list_matches("\"x\", \"a\"", "\"a\""));
    CHECK(etag_list_matches("*", "\"a\""));
    CHECK_FALSE(etag_list_matches("\"b\"", "\"a\""));
    CHECK_FALSE(etag_list_matches("", "\"a\""));
}

TEST_CASE("only plain, known or listed file names are servable", "[unit]") {
    const std::vector<ManifestFile> listed{{"slides-3.png", "image/png", 10}};
    CHECK(is_servable("lesson.mp4", {}));
    CHECK(is_servable("chat.json", {}));
    CHECK(is_servable("slides-3.png", listed));
    CHECK(is_servable("chapters.vtt", {})); // a sidecar every recording may have
    CHECK(is_servable("poster.jpg", {}));      // render's poster and seek-bar previews
    CHECK(is_servable("thumbnails.vtt", {}));
    CHECK_FALSE(is_servable("slides-3.png", {}));
    CHECK_FALSE(is_servable("tafel.db", listed));
    CHECK_FALSE(is_plain_file_name(".."));
    CHECK_FALSE(is_plain_file_name(".hidden"));
    CHECK_FALSE(is_plain_file_name("a/b"));
    CHECK_FALSE(is_plain_file_name(std::string_view("a\0b", 3)));
    CHECK(media_type("lesson.mp4") == "video/mp4");
    CHECK(media_type("lesson.webm") == "video/webm");
    CHECK(media_type("chat.json") == "application/json");
    CHECK(media_type("x.bin", "application/x-foo") == "application/x-foo");
    CHECK(media_type("x.bin", "bad\r\nheader: y") == "application/octet-stream");
}
