// Request-target splitting: what the router sees is what the file system would see.
#include "player/detail/target.hpp"

#include <catch2/catch.hpp>

using tafel::player::detail::parse_target;
using tafel::player::detail::percent_decode;

TEST_CASE("targets split into decoded segments", "[unit]") {
    auto t = parse_target("/r/abc-1/media/lesson.mp4?x=1#frag");
    REQUIRE(t.has_value());
    CHECK(t->segments == std::vector<std::string>{"r", "abc-1", "media", "lesson.mp4"});
    CHECK(t->query == "x=1");

    auto root = parse_target("/");
    REQUIRE(root.has_value());
    CHECK(root->segments.empty());

    auto trailing = parse_target("/r/abc/");
    REQUIRE(trailing.has_value());
    CHECK(trailing->segments == std::vector<std::string>{"r", "abc"});
    CHECK(trailing->trailing_slash);

    auto encoded = parse_target("/assets/player%2Ejs");
    REQUIRE(encoded.has_value());
    CHECK(encoded->segments.back() == "player.js");
}

TEST_CASE("unsafe targets are refused with a reason", "[unit]") {
    for (const char* target : {
             "", "r/x", "http://host/r/x", "*", "/r/../x", "/r/./x", "/r/%2e%2e/x", "/r/%2E%2e/x",
             "/r/.%2e/x", "/r/a%2fb", "/r/a%2Fb", "/r/a%5cb", "/r/a\\b", "/r/a%00b", "/r/a%0ab",
             "/r//x", "/r/%", "/r/%4", "/r/%zz", "/r/x#y/../z",
         }) {
        INFO(target);
        const auto t = parse_target(target);
        REQUIRE_FALSE(t.has_value());
        CHECK_FALSE(t.error().message.empty());
    }
}

TEST_CASE("percent_decode decodes and rejects broken escapes", "[unit]") {
    CHECK(percent_decode("a%20b").value() == "a b");
    CHECK(percent_decode("%C3%BC").value() == "\xC3\xBC");
    CHECK(percent_decode("plain").value() == "plain");
    CHECK_FALSE(percent_decode("%").has_value());
    CHECK_FALSE(percent_decode("%a").has_value());
    CHECK_FALSE(percent_decode("%g0").has_value());
}
