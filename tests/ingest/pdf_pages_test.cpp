#include "ingest/control_requests.hpp"
#include "ingest/pdf_pages.hpp"
#include "ingest/port_pool.hpp"

#include <catch2/catch.hpp>

using namespace tafel::ingest;

TEST_CASE("PDF pages are counted from page objects, else from /Count", "[unit][ingest][pdf]") {
    CHECK(count_pdf_pages("<< /Type /Pages /Count 3 >> << /Type /Page >> << /Type/Page >> << /Type\n/Page/Parent 1 0 R >>") == 3);
    CHECK(count_pdf_pages("<< /Type /Pages /Kids [] /Count 12 >> << /Type /Pages /Count 4 >>") == 12);
    CHECK(count_pdf_pages("%PDF-1.4 nothing here") == 0);
    CHECK(looks_like_pdf("%PDF-1.7\n"));
    CHECK_FALSE(looks_like_pdf("PK\x03\x04"));
}

TEST_CASE("query parameters are percent-decoded", "[unit][ingest][control]") {
    const auto t = parse_target("/api/v1/sessions/x/decks?a=1&name=Br%C3%BCche%20Teil+2.pdf");
    CHECK(t.path == "/api/v1/sessions/x/decks");
    CHECK(t.param("name") == "Brüche Teil 2.pdf");
    CHECK(t.param("a") == "1");
    CHECK(t.param("missing").empty());
    CHECK(percent_decode("100%") == "100%");
}

TEST_CASE("the port pool hands out even ports first and skips busy ones", "[unit][ingest][control]") {
    PortPool pool(40000, 40005);
    auto a = pool.allocate([](std::uint16_t) { return true; });
    REQUIRE(a);
    CHECK(*a == 40000);
    auto b = pool.allocate([](std::uint16_t p) { return p != 40002; });   // 40002 busy elsewhere
    REQUIRE(b);
    CHECK(*b == 40004);
    auto c = pool.allocate([](std::uint16_t) { return true; });
    REQUIRE(c);
    CHECK(*c == 40002);
    pool.release(40000);
    auto d = pool.allocate([](std::uint16_t) { return true; });
    REQUIRE(d);
    CHECK(*d == 40000);
    auto none = pool.allocate([](std::uint16_t) { return false; });
    REQUIRE_FALSE(none);
    CHECK(none.error().code == tafel::Errc::no_space);
}
