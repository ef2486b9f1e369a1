// The archive's one UTF-8 codec (archive/utf8.hpp), shared by captions and shared notes.
#include "archive/shared_notes.hpp"
#include "archive/utf8.hpp"

#include <catch2/catch.hpp>

using namespace tafel::archive;

namespace {

std::string encoded(char32_t c) {
    std::string out;
    append_utf8(out, c);
    return out;
}

} // namespace

TEST_CASE("utf8: one to four bytes per code point, round trip through the decoder", "[unit]") {
    CHECK(encoded(U'A') == "A");
    CHECK(encoded(U'\u00DC') == "\xC3\x9C");
    CHECK(encoded(U'\u20AC') == "\xE2\x82\xAC");
    CHECK(encoded(U'\U0001F600') == "\xF0\x9F\x98\x80");
    CHECK(encoded(U'\U0010FFFF') == "\xF4\x8F\xBF\xBF");
    const std::string text = "Brüche € \xF0\x9F\x98\x80";
    const auto points = decode_utf8(text);
    CHECK(points ==
          std::vector<char32_t>{U'B', U'r', U'\u00FC', U'c', U'h', U'e', U' ', U'\u20AC', U' ', U'\U0001F600'});
    std::string back;
    for (char32_t c : points) append_utf8(back, c);
    CHECK(back == text);
}

TEST_CASE("utf8: invalid input becomes U+FFFD, the output is always valid UTF-8", "[unit]") {
    const std::string replacement = "\xEF\xBF\xBD";
    CHECK(encoded(0xD800) == replacement); // a surrogate (RFC 3629 section 3)
    CHECK(encoded(0x110000) == replacement);
    CHECK(decode_utf8("a\x80"
                      "b\xC3") == std::vector<char32_t>{U'a', U'\uFFFD', U'b', U'\uFFFD'});
    // HTML's numeric references: U+0000 and surrogates are replaced too.
    CHECK(html_to_text("&#0;&#xD800;&#x110000;&#xFC;") == replacement + replacement + replacement + "\xC3\xBC\n");
}
