// The player over real TCP: pages, media with Range and validators, traversal attempts, the
// JSON API, keep-alive, limits and shutdown.
#include "tests/player/fixture.hpp"
#include "tests/player/http_client.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

using namespace tafel::player::test;

namespace {

std::string media(const std::string& name) { return fmt::format("/r/{}/media/{}", k_id, name); }

} // namespace

TEST_CASE("list page shows published recordings with escaped titles, newest first",
          "[integration]") {
    ServerFixture fx;
    const auto res = http_request(fx.port(), "GET", "/");
    REQUIRE(res.status == 200);
    CHECK(res.header("content-type") == "text/html; charset=utf-8");
    CHECK(res.body.find("lang=\"de\"") != std::string::npos);
    // The title is there, escaped: a title cannot inject markup.
    CHECK(res.body.find("Mathe 7b: Brüche &lt;kürzen&gt; &amp; erweitern") != std::string::npos);
    CHECK(res.body.find("<kürzen>") == std::string::npos);
    CHECK(res.body.find(fmt::format("href=\"/r/{}\"", k_id)) != std::string::npos);
    CHECK(res.body.find("klasse-7b") != std::string::npos);
    CHECK(res.body.find("14.11.2023, 22:13 UTC") != std::string::npos); // 1700000000 s
    CHECK(res.body.find("2:05") != std::string::npos);                  // 125000 ms
    // Neither the recording still processing nor the one whose folder is gone is listed.
    CHECK(res.body.find("Noch in Arbeit") == std::string::npos);
    const auto newer = res.body.find(fmt::format("href=\"/r/{}\"", k_id));
    const auto older = res.body.find(fmt::format("href=\"/r/{}\"", k_older_id));
    REQUIRE(older != std::string::npos);
    CHECK(newer < older);
    CHECK(res.body.find("Verschwunden") == std::string::npos);
    // No inline script, and a CSP that allows only this server.
    CHECK(res.body.find("<script>") == std::string::npos);
    CHECK(res.header("content-security-policy").find("default-src 'self'") != std::string::npos);
}

TEST_CASE("playback page has the video with MP4 then WebM and the chat list", "[integration]") {
    ServerFixture fx;
    const auto res = http_request(fx.port(), "GET", fmt::format("/r/{}", k_id));
    REQUIRE(res.status == 200);
    const auto& b = res.body;
    CHECK(b.find("<html lang=\"de\">") != std::string::npos);
    const auto video = b.find("<video id=\"lesson\" controls playsinline");
    const auto mp4 = b.find(fmt::format("<source src=\"/r/{}/media/lesson.mp4\" type=\"video/mp4\">", k_id));
    const auto webm = b.find(fmt::format("<source src=\"/r/{}/media/lesson.webm\" type=\"video/webm\">", k_id));
    REQUIRE(video != std::string::npos);
    REQUIRE(mp4 != std::string::npos);
    REQUIRE(webm != std::string::npos);
    CHECK(video < mp4);
    CHECK(mp4 < webm); // Safari picks the first source it can play: MP4 must come first
    CHECK(b.find(fmt::format("data-src=\"/r/{}/media/chat.json\"", k_id)) != std::string::npos);
    CHECK(b.find("<script src=\"/assets/player.js\"") != std::string::npos);
    CHECK(b.find("<script>") == std::string::npos);
    CHECK(res.header("content-security-policy").find("default-src 'self'") != std::string::npos);

    // The page's assets are served from the binary with the right types.
    const auto js = http_request(fx.port(), "GET", "/assets/player.js");
    REQUIRE(js.status == 200);
    CHECK(js.header("content-type") == "text/javascript; charset=utf-8");
    CHECK(js.body.find("chat") != std::string::npos);
    const auto css = http_request(fx.port(), "GET", "/assets/player.css");
    REQUIRE(css.status == 200);
    CHECK(css.header("content-type") == "text/css; charset=utf-8");
    const auto again = http_request(fx.port(), "GET", "/assets/player.css",
                                    {{"If-None-Match", css.header("etag")}});
    CHECK(again.status == 304);
    CHECK(http_request(fx.port(), "GET", "/assets/nope.js").status == 404);
}

TEST_CASE("full media GET returns every byte with validators and the MIME type", "[integration]") {
    ServerFixture fx;
    const auto res = http_request(fx.port(), "GET", media("lesson.mp4"));
    REQUIRE(res.status == 200);
    CHECK(res.header("content-type") == "video/mp4");
    CHECK(res.header("accept-ranges") == "bytes");
    CHECK(res.header("content-length") == std::to_string(k_mp4_size));
    CHECK_FALSE(res.header("etag").empty());
    CHECK(res.header("last-modified").ends_with(" GMT"));
    CHECK(res.body == mp4_bytes(0, k_mp4_size));

    CHECK(http_request(fx.port(), "GET", media("lesson.webm")).header("content-type") == "video/webm");
    const auto chat = http_request(fx.port(), "GET", media("chat.json"));
    REQUIRE(chat.status == 200);
    CHECK(chat.header("content-type") == "application/json");
    CHECK(nlohmann::json::parse(chat.body).at(1).at("name") == "Frau Müller");
}

TEST_CASE("byte ranges answer 206 with exactly the requested bytes", "[integration]") {
    ServerFixture fx;
    SECTION("bytes=1000-1999") {
        const auto res = http_request(fx.port(), "GET", media("lesson.mp4"), {{"Range", "bytes=1000-1999"}});
        REQUIRE(res.status == 206);
        CHECK(res.header("content-range") == fmt::format("bytes 1000-1999/{}", k_mp4_size));
        CHECK(res.header("content-length") == "1000");
        CHECK(res.body == mp4_bytes(1000, 1000));
    }
    SECTION("open-ended bytes=100000-") {
        const auto res = http_request(fx.port(), "GET", media("lesson.mp4"), {{"Range", "bytes=100000-"}});
        REQUIRE(res.status == 206);
        CHECK(res.header("content-range") == fmt::format("bytes 100000-{}/{}", k_mp4_size - 1, k_mp4_size));
        CHECK(res.body == mp4_bytes(100000, k_mp4_size - 100000));
    }
    SECTION("suffix bytes=-500: the last 500 bytes") {
        const auto res = http_request(fx.port(), "GET", media("lesson.mp4"), {{"Range", "bytes=-500"}});
        REQUIRE(res.status == 206);
        CHECK(res.header("content-range") ==
              fmt::format("bytes {}-{}/{}", k_mp4_size - 500, k_mp4_size - 1, k_mp4_size));
        CHECK(res.body == mp4_bytes(k_mp4_size - 500, 500));
    }
    SECTION("last-pos beyond the end is clamped") {
        const auto res = http_request(fx.port(), "GET", media("lesson.mp4"), {{"Range", "bytes=102000-999999"}});
        REQUIRE(res.status == 206);
        CHECK(res.header("content-range") == fmt::format("bytes 102000-{}/{}", k_mp4_size - 1, k_mp4_size));
        CHECK(res.body == mp4_bytes(102000, k_mp4_size - 102000));
    }
    SECTION("start beyond the end: 416 with the size") {
        const auto res = http_request(fx.port(), "GET", media("lesson.mp4"), {{"Range", "bytes=200000-"}});
        CHECK(res.status == 416);
        CHECK(res.header("content-range") == fmt::format("bytes */{}", k_mp4_size));
    }
    SECTION("a malformed Range is ignored: the whole file") {
        const auto res = http_request(fx.port(), "GET", media("lesson.mp4"), {{"Range", "bytes=abc"}});
        CHECK(res.status == 200);
        CHECK(res.body.size() == k_mp4_size);
    }
}

TEST_CASE("HEAD sends the headers of GET without a body", "[integration]") {
    ServerFixture fx;
    HttpClient client(fx.port());
    const auto head = client.request("HEAD", media("lesson.mp4"));
    REQUIRE(head.status == 200);
    CHECK(head.header("content-length") == std::to_string(k_mp4_size));
    CHECK(head.header("content-type") == "video/mp4");
    CHECK(head.body.empty());
    // The connection is still in sync: had a body been sent, this would read garbage.
    const auto ranged = client.request("HEAD", media("lesson.mp4"), {{"Range", "bytes=0-9"}});
    CHECK(ranged.status == 206);
    CHECK(ranged.header("content-length") == "10");
    const auto get = client.request("GET", "/healthz");
    CHECK(get.status == 200);
    CHECK(get.body == "ok\n");
}

TEST_CASE("conditional requests: If-None-Match and If-Modified-Since give 304, If-Range guards ranges",
          "[integration]") {
    ServerFixture fx;
    const auto first = http_request(fx.port(), "GET", media("lesson.mp4"));
    const std::string etag = first.header("etag");
    REQUIRE_FALSE(etag.empty());

    const auto cached = http_request(fx.port(), "GET", media("lesson.mp4"), {{"If-None-Match", etag}});
    CHECK(cached.status == 304);
    CHECK(cached.body.empty());
    CHECK(cached.header("etag") == etag);
    CHECK(http_request(fx.port(), "GET", media("lesson.mp4"), {{"If-None-Match", "W/" + etag}}).status == 304);
    CHECK(http_request(fx.port(), "GET", media("lesson.mp4"), {{"If-None-Match", "\"other\""}}).status == 200);
    CHECK(http_request(fx.port(), "GET", media("lesson.mp4"),
                       {{"If-Modified-Since", first.header("last-modified")}})
              .status == 304);

    // If-Range with the current ETag keeps the range; a stale one gets the whole file.
    CHECK(http_request(fx.port(), "GET", media("lesson.mp4"), {{"Range", "bytes=0-9"}, {"If-Range", etag}})
              .status == 206);
    const auto stale = http_request(fx.port(), "GET", media("lesson.mp4"),
                                    {{"Range", "bytes=0-9"}, {"If-Range", "\"stale\""}});
    CHECK(stale.status == 200);
    CHECK(stale.body.size() == k_mp4_size);
}

TEST_CASE("paths never leave published/<id>/", "[integration]") {
    ServerFixture fx;
    const std::string base = fmt::format("/r/{}/media/", k_id);
    for (const std::string& target : {
             base + "../../tafel.db",
             base + "../../secret.txt",
             base + "%2e%2e/%2e%2e/secret.txt",
             base + "%2E%2E%2F%2E%2E%2Fsecret.txt",
             base + "..%2f..%2fsecret.txt",
             base + "..%5c..%5csecret.txt",
             base + "lesson.mp4%00.txt",
             base + "%2fetc%2fpasswd",
             base + ".hidden",
             base + "tafel.db",
             base + "manifest.json/..",
             std::string("/r/..%2f..%2fdata/media/secret.txt"),
             std::string("/r/%2e%2e/media/secret.txt"),
             std::string("//etc/passwd"),
             std::string("http://evil.example/r/x"),
         }) {
        INFO(target);
        const auto res = http_request(fx.port(), "GET", target);
        CHECK((res.status == 400 || res.status == 404));
        CHECK(res.body.find("top secret") == std::string::npos);
        CHECK(res.body.find("SQLite") == std::string::npos);
    }
    // A name the manifest lists but that is not a plain file name is not servable either.
    CHECK(http_request(fx.port(), "GET", base + "..%2F..%2Ftafel.db").status == 400);
}

TEST_CASE("unknown, unpublished and vanished recordings are 404 everywhere", "[integration]") {
    ServerFixture fx;
    for (const std::string& id : std::vector<std::string>{"doesnotexist", k_processing_id, k_vanished_id}) {
        INFO(id);
        const auto page = http_request(fx.port(), "GET", "/r/" + id);
        CHECK(page.status == 404);
        CHECK(page.body.find(id) != std::string::npos); // the error names what was missing
        CHECK(http_request(fx.port(), "GET", "/r/" + id + "/media/lesson.mp4").status == 404);
        CHECK(http_request(fx.port(), "GET", "/api/v1/recordings/" + id).status == 404);
    }
    CHECK(http_request(fx.port(), "GET", media("notes.vtt")).status == 404);
    CHECK(http_request(fx.port(), "GET", "/r/bad!id").status == 400);
    CHECK(http_request(fx.port(), "GET", "/nowhere").status == 404);
}

TEST_CASE("JSON API lists the published recording and answers per id", "[integration]") {
    ServerFixture fx;
    const auto list = http_request(fx.port(), "GET", "/api/v1/recordings");
    REQUIRE(list.status == 200);
    CHECK(list.header("content-type") == "application/json");
    const auto j = nlohmann::json::parse(list.body);
    REQUIRE(j.at("recordings").size() == 2); // not the processing or vanished ones
    const auto& r = j["recordings"][0];
    CHECK(r.at("id") == k_id);
    CHECK(r.at("title") == k_title);
    CHECK(r.at("context") == "klasse-7b");
    CHECK(r.at("state") == "published");
    CHECK(r.at("started_utc_us") == 1'700'000'000'000'000);
    CHECK(r.at("duration_ms") == 125'000);
    CHECK(r.at("urls").at("page") == fmt::format("/r/{}", k_id));
    CHECK(r.at("urls").at("mp4") == media("lesson.mp4"));
    CHECK(j["recordings"][1].at("id") == k_older_id);

    const auto one = http_request(fx.port(), "GET", fmt::format("/api/v1/recordings/{}", k_id));
    REQUIRE(one.status == 200);
    CHECK(nlohmann::json::parse(one.body).at("title") == k_title);
    const auto missing = http_request(fx.port(), "GET", "/api/v1/recordings/nope");
    CHECK(missing.status == 404);
    CHECK(nlohmann::json::parse(missing.body).at("error") == "no recording 'nope'");
}

TEST_CASE("healthz, methods and keep-alive", "[integration]") {
    ServerFixture fx;
    HttpClient client(fx.port());
    const auto health = client.request("GET", "/healthz");
    CHECK(health.status == 200);
    CHECK(health.body == "ok\n");
    CHECK(health.keep_alive);
    // Same connection again: keep-alive works, and a range after a full response too.
    const auto ranged = client.request("GET", media("lesson.mp4"), {{"Range", "bytes=5-9"}});
    CHECK(ranged.status == 206);
    CHECK(ranged.body == mp4_bytes(5, 5));
    const auto post = client.request("POST", "/healthz");
    CHECK(post.status == 405);
    CHECK(post.header("allow") == "GET, HEAD");
    const auto closing = client.request("GET", "/healthz", {{"Connection", "close"}});
    CHECK(closing.status == 200);
    CHECK(client.closed_by_server());
}

TEST_CASE("oversized headers get 431 and the connection closes", "[integration]") {
    ServerFixture fx;
    const std::string request = "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(32 * 1024, 'a') +
                                "\r\n\r\n";
    const auto answer = raw_exchange(fx.port(), request);
    CHECK(answer.starts_with("HTTP/1.1 431"));
    const auto garbage = raw_exchange(fx.port(), "NOT HTTP AT ALL\r\n\r\n");
    CHECK(garbage.starts_with("HTTP/1.1 400"));
}

TEST_CASE("stop closes idle keep-alive connections and returns promptly", "[integration]") {
    ServerFixture fx;
    HttpClient idle(fx.port());
    REQUIRE(idle.request("GET", "/healthz").status == 200);
    const auto before = std::chrono::steady_clock::now();
    fx.server->stop();
    const auto took = std::chrono::steady_clock::now() - before;
    CHECK(took < std::chrono::seconds(3)); // well inside the 30 s idle timeout
    CHECK(idle.closed_by_server());
    fx.server->stop(); // idempotent
}

TEST_CASE("create and start report bad options and busy ports", "[integration]") {
    DataFolder data;
    tafel::player::ServerOptions bad;
    bad.threads = 0;
    auto zero = tafel::player::Server::create(bad, *data.catalog, data.layout);
    REQUIRE_FALSE(zero.has_value());
    CHECK(zero.error().message.find("threads") != std::string::npos);
    bad = {};
    bad.address = "not-an-address";
    CHECK_FALSE(tafel::player::Server::create(bad, *data.catalog, data.layout).has_value());

    ServerFixture fx;
    tafel::player::ServerOptions same;
    same.port = fx.port();
    auto second = tafel::player::Server::create(same, *data.catalog, data.layout);
    REQUIRE(second.has_value());
    auto started = (*second)->start();
    REQUIRE_FALSE(started.has_value());
    CHECK(started.error().code == tafel::Errc::network);
    CHECK(started.error().message.find(std::to_string(fx.port())) != std::string::npos);
}

TEST_CASE("a recording with only WebM gets a page with only the WebM source", "[integration]") {
    ServerFixture fx;
    const auto res = http_request(fx.port(), "GET", fmt::format("/r/{}", k_older_id));
    REQUIRE(res.status == 200);
    CHECK(res.body.find("lesson.mp4") == std::string::npos);
    CHECK(res.body.find(fmt::format("<source src=\"/r/{}/media/lesson.webm\" type=\"video/webm\">", k_older_id)) !=
          std::string::npos);
    // The chat file is absent: the media route says so instead of failing the page.
    CHECK(http_request(fx.port(), "GET", fmt::format("/r/{}/media/chat.json", k_older_id)).status == 404);
}

TEST_CASE("parallel clients each get their own bytes", "[integration]") {
    ServerFixture fx(/*threads=*/2);
    std::atomic<int> good{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < 8; ++c) {
        clients.emplace_back([&, c] {
            try {
                HttpClient client(fx.port());
                for (int i = 0; i < 10; ++i) {
                    const std::size_t first = static_cast<std::size_t>(c * 9000 + i * 700);
                    const auto res = client.request(
                        "GET", media("lesson.mp4"),
                        {{"Range", fmt::format("bytes={}-{}", first, first + 4999)}});
                    if (res.status == 206 && res.body == mp4_bytes(first, 5000)) ++good;
                }
            } catch (const std::exception&) {
                // counted as missing below
            }
        });
    }
    for (auto& t : clients) t.join();
    CHECK(good == 80);
}

TEST_CASE("imported captions per locale become tracks and shared notes a plain-text link", "[integration]") {
    ServerFixture fx;
    const auto pub = fx.data.layout.published_dir(k_id);
    write_file(pub / "captions_en-US.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello\n");
    write_file(pub / "captions_de-DE.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHallo\n");
    // A label from the archive is text, never markup; an entry naming a missing file or a
    // path is left out.
    write_file(pub / "captions.json", R"([{"file": "captions_de-DE.vtt", "locale": "de-DE", "label": "Deutsch"},
        {"file": "captions_en-US.vtt", "locale": "en-US", "label": "English <script>"},
        {"file": "captions_fr.vtt", "locale": "fr", "label": "Français"},
        {"file": "../chat.json", "locale": "xx", "label": "x"}])");
    write_file(pub / "notes.txt", "Hausaufgaben: S. 42 <b>\n");
    write_file(pub / "manifest.json", fmt::format(R"({{"id": "{}", "title": "Mathe 7b", "duration_ms": 125000,
        "files": [{{"name": "lesson.mp4", "mime": "video/mp4", "bytes": {}}},
                  {{"name": "captions_en-US.vtt", "mime": "text/vtt", "bytes": 1}},
                  {{"name": "captions_de-DE.vtt", "mime": "text/vtt", "bytes": 1}},
                  {{"name": "captions.json", "mime": "application/json", "bytes": 1}},
                  {{"name": "notes.txt", "mime": "text/plain; charset=utf-8", "bytes": 1}}]}})",
                                                  k_id, k_mp4_size));

    const auto page = http_request(fx.port(), "GET", fmt::format("/r/{}", k_id));
    REQUIRE(page.status == 200);
    const auto& b = page.body;
    INFO(b);
    CHECK(b.find(fmt::format(R"(<track kind="captions" src="{}" srclang="de-DE" label="Deutsch">)",
                             media("captions_de-DE.vtt"))) != std::string::npos);
    CHECK(b.find(fmt::format(R"(<track kind="captions" src="{}" srclang="en-US" label="English &lt;script&gt;">)",
                             media("captions_en-US.vtt"))) != std::string::npos);
    CHECK(b.find("captions_fr.vtt") == std::string::npos);
    CHECK(b.find("srclang=\"xx\"") == std::string::npos);
    CHECK(b.find("<script>") == std::string::npos);
    CHECK(b.find(fmt::format("href=\"{}\"", media("notes.txt"))) != std::string::npos);
    CHECK(b.find("Geteilte Notizen") != std::string::npos);

    // The notes are served as plain text (never as HTML, never sniffed), the captions as WebVTT.
    const auto notes = http_request(fx.port(), "GET", media("notes.txt"));
    REQUIRE(notes.status == 200);
    CHECK(notes.header("content-type") == "text/plain; charset=utf-8");
    CHECK(notes.header("x-content-type-options") == "nosniff");
    CHECK(notes.body == "Hausaufgaben: S. 42 <b>\n");
    const auto vtt = http_request(fx.port(), "GET", media("captions_en-US.vtt"));
    REQUIRE(vtt.status == 200);
    CHECK(vtt.header("content-type") == "text/vtt; charset=utf-8");

    // Without notes.txt and captions.json, neither appears.
    std::filesystem::remove(pub / "notes.txt");
    std::filesystem::remove(pub / "captions.json");
    const auto plain = http_request(fx.port(), "GET", fmt::format("/r/{}", k_id));
    REQUIRE(plain.status == 200);
    CHECK(plain.body.find("notes.txt") == std::string::npos);
    CHECK(plain.body.find("<track") == std::string::npos);
}
