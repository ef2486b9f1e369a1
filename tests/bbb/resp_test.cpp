#include "bbb/resp.hpp"

#include <catch2/catch.hpp>

using namespace tafel::bbb;

TEST_CASE("RESP command is an array of binary-safe bulk strings", "[unit][bbb]") {
    CHECK(resp_command({"PUBLISH", "ch", "{\"id\":\"x\"}"}) == "*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$10\r\n{\"id\":\"x\"}\r\n");
    CHECK(resp_command({"A", std::string_view("\r\n\0", 3)}) == std::string("*2\r\n$1\r\nA\r\n$3\r\n\r\n\0\r\n", 20));
}

TEST_CASE("RESP parser yields a pub/sub push split at every offset", "[unit][bbb]") {
    const std::string wire = "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
                             "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhe\r\no\r\n+PONG\r\n$-1\r\n";
    for (std::size_t split = 0; split <= wire.size(); ++split) {
        RespParser parser;
        std::vector<RespValue> values;
        for (const auto part : {std::string_view(wire).substr(0, split), std::string_view(wire).substr(split)}) {
            parser.feed(part);
            for (;;) {
                auto v = parser.next();
                REQUIRE(v);
                if (!*v) break;
                values.push_back(std::move(**v));
            }
        }
        REQUIRE(values.size() == 4);
        CHECK(values[0].items[2].integer == 1);
        CHECK(values[1].items[0].text == "message");
        CHECK(values[1].items[2].text == "he\r\no");
        CHECK(values[2].kind == RespValue::Kind::simple);
        CHECK(values[3].kind == RespValue::Kind::null);
    }
}

TEST_CASE("RESP parser refuses what is not RESP", "[unit][bbb]") {
    for (const char* bad : {"?x\r\n", "$abc\r\n", ":12x\r\n", "$2\r\nabcd\r\n"}) {
        RespParser parser;
        parser.feed(bad);
        CHECK_FALSE(parser.next());
    }
}
