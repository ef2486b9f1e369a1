#include "core/ids.hpp"

#include <catch2/catch.hpp>

TEST_CASE("recording ids are stable, safe and distinct", "[unit][core]") {
    const auto a = tafel::recording_id("Klasse 7b Mathe", 1'700'000'000'000);
    CHECK(a == tafel::recording_id("Klasse 7b Mathe", 1'700'000'000'000));
    CHECK(a != tafel::recording_id("Klasse 7c Mathe", 1'700'000'000'000));
    CHECK(a.ends_with("-1700000000000"));
    CHECK(tafel::is_safe_id(a));
}

TEST_CASE("only plain ids may become paths", "[unit][core]") {
    CHECK(tafel::is_safe_id("abc-123_X"));
    CHECK_FALSE(tafel::is_safe_id(""));
    CHECK_FALSE(tafel::is_safe_id("../etc"));
    CHECK_FALSE(tafel::is_safe_id("a/b"));
    CHECK_FALSE(tafel::is_safe_id("a b"));
    CHECK_FALSE(tafel::is_safe_id(std::string(129, 'a')));
    CHECK(tafel::random_hex_id().size() == 32);
    CHECK(tafel::random_hex_id() != tafel::random_hex_id());
}
