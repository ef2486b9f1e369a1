// The growing HLS audio stream of a recording whose audio-only part is published while its
// preview job still encodes (issue 6): /r/<id>/media/audio/<file> with the stream's MIME
// types, a playlist no cache may answer for, ranges; the same access as every other media
// file; only the stream's own names inside audio/; the page that plays it; and 404 once the
// render's folder (no stream) has replaced the preview's.
#include "player/detail/access.hpp"
#include "tests/player/fixture.hpp"
#include "tests/player/http_client.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <atomic>
#include <filesystem>
#include <memory>

using namespace tafel;
using namespace tafel::player::test;
namespace fs = std::filesystem;

namespace {

constexpr const char* k_stream_id = "5e5e-1700000400000";
constexpr const char* k_secret = "portal-and-tafel-share-this";
constexpr std::int64_t k_now = 1'800'000'000;

const std::string k_init(600, 'i');
// Bytes whose every offset differs, so that a range shows where it came from.
std::string segment_bytes(char tag) {
    std::string out;
    for (int i = 0; i < 4000; ++i) out += static_cast<char>(tag + i % 7);
    return out;
}

std::string playlist(int segments, bool ended) {
    std::string out = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:0\n"
                      "#EXT-X-PLAYLIST-TYPE:EVENT\n#EXT-X-MAP:URI=\"init.mp4\"\n";
    for (int i = 0; i < segments; ++i) out += fmt::format("#EXTINF:6.000000,\nseg-{:05}.m4s\n", i);
    if (ended) out += "#EXT-X-ENDLIST\n";
    return out;
}

std::string url(const std::string& file) { return fmt::format("/r/{}/media/audio/{}", k_stream_id, file); }

// The preview's first publication: manifest naming the stream, chapters, chat and audio/
// with the init section, one segment and a playlist without ENDLIST; no lesson.m4a yet.
void publish_stream(DataFolder& data, bool audio_ready = true) {
    const storage::RecordingRow row{.id = k_stream_id,
                                    .meeting_id = "chemie",
                                    .title = "Chemie 9a",
                                    .context = "klasse-9a",
                                    .state = storage::RecordingState::processing,
                                    .started_utc_us = 1'700'000'400'000'000};
    REQUIRE(data.catalog->put_recording(row).has_value());
    if (audio_ready) REQUIRE(data.catalog->mark_parts_ready(k_stream_id, storage::k_part_audio).has_value());
    const auto dir = data.layout.published_dir(k_stream_id);
    fs::create_directories(dir / "audio");
    write_file(dir / "chapters.vtt", "WEBVTT\n\n00:00:00.000 --> 00:00:06.000\nEinstieg\n");
    write_file(dir / "chat.json", "[]");
    write_file(dir / "manifest.json",
               R"({"id": "5e5e-1700000400000", "parts": ["audio"], "audio_stream": "audio/index.m3u8",
                  "files": [{"name": "chapters.vtt"}, {"name": "chat.json"}]})");
    write_file(dir / "audio" / "init.mp4", k_init);
    write_file(dir / "audio" / "seg-00000.m4s", segment_bytes('a'));
    write_file(dir / "audio" / "index.m3u8", playlist(1, false));
}

// An open server (no secret) with the stream published.
struct StreamServer {
    explicit StreamServer(bool audio_ready = true) { publish_stream(fx.data, audio_ready); }
    ServerFixture fx;
    const std::uint16_t port = fx.port();
    const fs::path dir = fx.data.layout.published_dir(k_stream_id);
};

} // namespace

TEST_CASE("the audio stream is served with HLS types, a playlist no cache keeps, and ranges", "[integration]") {
    StreamServer s;
    const auto port = s.port;

    const auto list = http_request(port, "GET", url("index.m3u8"));
    REQUIRE(list.status == 200);
    CHECK(list.header("content-type") == "application/vnd.apple.mpegurl");
    CHECK(list.header("cache-control").find("no-cache") != std::string::npos);
    CHECK(list.body == playlist(1, false));
    const std::string first_etag = list.header("etag");
    REQUIRE_FALSE(first_etag.empty());
    // Unchanged: a cheap 304.
    CHECK(http_request(port, "GET", url("index.m3u8"), {{"If-None-Match", first_etag}}).status == 304);

    // The muxer appends a segment (file first, then the playlist, both renamed into place):
    // the same validator now gets the grown playlist.
    const auto audio = s.dir / "audio";
    write_file(audio / "seg-00001.m4s", segment_bytes('k'));
    write_file(audio / "index.m3u8.tmp", playlist(2, false));
    fs::rename(audio / "index.m3u8.tmp", audio / "index.m3u8");
    const auto grown = http_request(port, "GET", url("index.m3u8"), {{"If-None-Match", first_etag}});
    CHECK(grown.status == 200);
    CHECK(grown.body == playlist(2, false));
    CHECK(grown.header("etag") != first_etag);

    const auto init = http_request(port, "GET", url("init.mp4"));
    CHECK(init.status == 200);
    CHECK(init.header("content-type") == "audio/mp4");
    CHECK(init.body == k_init);
    const auto seg = http_request(port, "GET", url("seg-00001.m4s"), {{"Range", "bytes=100-109"}});
    CHECK(seg.status == 206);
    CHECK(seg.header("content-type") == "audio/mp4");
    CHECK(seg.header("content-range") == "bytes 100-109/4000");
    CHECK(seg.body == segment_bytes('k').substr(100, 10));
    const auto head = http_request(port, "HEAD", url("seg-00000.m4s"));
    CHECK(head.status == 200);
    CHECK(head.header("content-length") == "4000");
    CHECK(head.body.empty());
    CHECK(http_request(port, "GET", url("seg-00000.m4s"), {{"Range", "bytes=5000-"}}).status == 416);
    // Not yet written.
    CHECK(http_request(port, "GET", url("seg-00002.m4s")).status == 404);
}

TEST_CASE("only the stream's own names inside audio/ are served, and no symlink is followed", "[integration]") {
    StreamServer s;
    const auto port = s.port;
    const auto& dir = s.dir;
    // A file being written, a stray file and a segment name of the wrong shape, all present.
    write_file(dir / "audio" / "seg-00001.m4s.tmp", "half");
    write_file(dir / "audio" / "notes.txt", "not part of the stream");
    write_file(dir / "audio" / "seg-1.m4s", "short name");
    for (const char* name : {"seg-00001.m4s.tmp", "notes.txt", "seg-1.m4s", "index.m3u8.tmp", "seg-0000a.m4s",
                             "init.mp4x", "seg-0000000000.m4s"})
        CHECK(http_request(port, "GET", url(name)).status == 404);

    // Traversal and encoded separators are refused before any file is looked at.
    const std::string media = fmt::format("/r/{}/media/", k_stream_id);
    CHECK(http_request(port, "GET", media + "audio/../manifest.json").status == 400);
    CHECK(http_request(port, "GET", media + "audio/%2e%2e/chat.json").status == 400);
    CHECK(http_request(port, "GET", media + "audio%2Findex.m3u8").status == 400);
    CHECK(http_request(port, "GET", media + "audio/..%2F..%2Fmanifest.json").status == 400);
    // The stream lives in audio/ only: not one level up, not in another folder, not deeper.
    CHECK(http_request(port, "GET", media + "index.m3u8").status == 404);
    fs::create_directories(dir / "video");
    write_file(dir / "video" / "index.m3u8", playlist(1, false));
    CHECK(http_request(port, "GET", media + "video/index.m3u8").status == 404);
    CHECK(http_request(port, "GET", media + "audio/audio/index.m3u8").status == 404);

    // A symlinked segment, and an audio/ folder that is a symlink, lead nowhere.
    fs::create_symlink(dir / "chat.json", dir / "audio" / "seg-00009.m4s");
    CHECK(http_request(port, "GET", url("seg-00009.m4s")).status == 404);
    fs::rename(dir / "audio", dir / "real-audio");
    fs::create_directory_symlink(dir / "real-audio", dir / "audio");
    CHECK(http_request(port, "GET", url("index.m3u8")).status == 404);
    CHECK(http_request(port, "GET", url("init.mp4")).status == 404);
}

TEST_CASE("the stream needs the same grant as every other media file", "[integration]") {
    auto clock = std::make_shared<std::atomic<std::int64_t>>(k_now);
    ServerFixture fx{[&] {
        player::ServerOptions o;
        o.secret = k_secret;
        o.now = [clock] { return clock->load(); };
        return o;
    }()};
    publish_stream(fx.data);
    const auto port = fx.port();
    using player::detail::Grant;
    using player::detail::Role;
    const auto token = [](const std::string& id, std::int64_t expires) {
        return player::detail::sign_token(Grant{id, Role::viewer, expires}, k_secret);
    };
    const std::string own = token(k_stream_id, k_now + 3600);

    CHECK(http_request(port, "GET", url("index.m3u8")).status == 403);
    CHECK(http_request(port, "GET", url("seg-00000.m4s")).status == 403);
    // A grant for another recording, a tampered one and a forged one open nothing here.
    CHECK(http_request(port, "GET", url("index.m3u8") + "?token=" + token(k_id, k_now + 3600)).status == 403);
    std::string tampered = own;
    tampered.back() = tampered.back() == '0' ? '1' : '0';
    CHECK(http_request(port, "GET", url("index.m3u8"), {{"Cookie", "tafel_session=" + tampered}}).status == 403);
    const std::string forged = player::detail::sign_token(Grant{k_stream_id, Role::viewer, k_now + 3600}, "guess");
    CHECK(http_request(port, "GET", url("init.mp4") + "?token=" + forged).status == 403);

    // The page's session cookie (Path=/r/<id>) carries the grant to the stream's files.
    const auto page = http_request(port, "GET", fmt::format("/r/{}?token={}", k_stream_id, own));
    REQUIRE(page.status == 200);
    const std::string set_cookie = page.header("set-cookie");
    const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
    CHECK(http_request(port, "GET", url("index.m3u8"), {{"Cookie", cookie}}).status == 200);
    CHECK(http_request(port, "GET", url("seg-00000.m4s"), {{"Cookie", cookie}}).status == 200);

    // Past the recording's deletion date viewers get 404, as for its other files.
    REQUIRE(fx.data.catalog->set_delete_after(k_stream_id, (k_now - 10) * 1'000'000).has_value());
    CHECK(http_request(port, "GET", url("index.m3u8"), {{"Cookie", cookie}}).status == 404);
    REQUIRE(fx.data.catalog->set_delete_after(k_stream_id, 0).has_value());
    CHECK(http_request(port, "GET", url("index.m3u8"), {{"Cookie", cookie}}).status == 200);

    // When the grant expires, the stream ends with it.
    clock->store(k_now + 3600);
    CHECK(http_request(port, "GET", url("index.m3u8"), {{"Cookie", cookie}}).status == 403);
    CHECK(http_request(port, "GET", url("seg-00000.m4s"), {{"Cookie", cookie}}).status == 403);
}

TEST_CASE("a stream is not served before its audio part is marked ready or when the manifest names none",
          "[integration]") {
    StreamServer s(false);
    auto& fx = s.fx;
    const auto port = s.port;
    const auto& dir = s.dir;

    // The preview has written its folder but not yet marked the audio part ready.
    CHECK(http_request(port, "GET", url("index.m3u8")).status == 404);
    CHECK(http_request(port, "GET", fmt::format("/r/{}", k_stream_id)).status == 404);
    REQUIRE(fx.data.catalog->mark_parts_ready(k_stream_id, storage::k_part_audio).has_value());
    CHECK(http_request(port, "GET", url("index.m3u8")).status == 200);

    // Unpublished by its owner: viewers see nothing of it.
    REQUIRE(fx.data.catalog->set_recording_state(k_stream_id, storage::RecordingState::unpublished, {}, 0).has_value());
    CHECK(http_request(port, "GET", url("index.m3u8")).status == 404);
    REQUIRE(fx.data.catalog->set_recording_state(k_stream_id, storage::RecordingState::processing, {}, 0).has_value());
    CHECK(http_request(port, "GET", url("index.m3u8")).status == 200);

    // An audio/ folder the manifest does not announce is not served.
    write_file(dir / "manifest.json", R"({"id": "5e5e-1700000400000", "parts": ["audio"], "files": []})");
    CHECK(http_request(port, "GET", url("index.m3u8")).status == 404);
    write_file(dir / "manifest.json", R"({"id": "5e5e-1700000400000", "audio_stream": "../audio/index.m3u8"})");
    CHECK(http_request(port, "GET", url("index.m3u8")).status == 404);
}

TEST_CASE("the page plays the growing stream, says what is ready, and shows the video once it replaced it",
          "[integration]") {
    StreamServer s;
    auto& fx = s.fx;
    const auto port = s.port;
    const auto& dir = s.dir;

    const auto page = http_request(port, "GET", fmt::format("/r/{}", k_stream_id));
    REQUIRE(page.status == 200);
    const auto& b = page.body;
    CHECK(b.find("data-parts=\"audio\"") != std::string::npos);
    CHECK(b.find(fmt::format("<audio id=\"lesson\" controls preload=\"metadata\" data-stream=\"{}\">",
                             url("index.m3u8"))) != std::string::npos);
    // hls-audio.js attaches the stream (natively or through MSE); no lesson.m4a exists yet.
    CHECK(b.find("<source") == std::string::npos);
    CHECK(b.find("lesson.m4a") == std::string::npos);
    // Open access lets everyone download the video, but there is none yet.
    CHECK(b.find("/download") == std::string::npos);
    CHECK(b.find("<li id=\"part-audio\" data-state=\"streaming\">Ton wird bereitgestellt …</li>") != std::string::npos);
    CHECK(b.find("<li id=\"part-video\" data-state=\"pending\">Video folgt") != std::string::npos);
    CHECK(b.find(fmt::format("data-manifest=\"/r/{}/media/manifest.json\"", k_stream_id)) != std::string::npos);
    // parts.js listens before hls-audio.js reports; both before player.js.
    const auto parts_js = b.find("<script src=\"/assets/parts.js\" defer>");
    const auto hls_js = b.find("<script src=\"/assets/hls-audio.js\" defer>");
    const auto player_js = b.find("<script src=\"/assets/player.js\" defer>");
    REQUIRE(parts_js != std::string::npos);
    REQUIRE(hls_js != std::string::npos);
    CHECK(parts_js < hls_js);
    CHECK(hls_js < player_js);
    CHECK(http_request(port, "GET", "/assets/hls-audio.js").status == 200);
    CHECK(http_request(port, "GET", "/assets/parts.js").status == 200);
    CHECK(b.find(fmt::format("data-src=\"/r/{}/media/chapters.vtt\"", k_stream_id)) != std::string::npos);
    CHECK(http_request(port, "GET", fmt::format("/r/{}?lang=en", k_stream_id)).body.find("Audio is being prepared") !=
          std::string::npos);

    // The audio is complete: the files are renamed in, the page plays them (no stream loader).
    write_file(dir / "lesson.m4a", std::string(2048, 'a'));
    write_file(dir / "audio" / "index.m3u8", playlist(1, true));
    const auto complete = http_request(port, "GET", fmt::format("/r/{}", k_stream_id)).body;
    CHECK(complete.find("<source src=\"/r/5e5e-1700000400000/media/lesson.m4a\" type=\"audio/mp4\">") !=
          std::string::npos);
    CHECK(complete.find("data-stream") == std::string::npos);
    CHECK(complete.find("hls-audio.js") == std::string::npos);
    CHECK(complete.find("<li id=\"part-audio\" data-state=\"complete\">Ton vollständig</li>") != std::string::npos);
    CHECK(complete.find("parts.js") != std::string::npos);

    // The render's folder replaces the preview's: no audio/, a manifest without the stream.
    const auto rendered = fx.data.layout.root() / "tmp" / "render";
    fs::create_directories(rendered);
    write_file(rendered / "lesson.mp4", std::string(4096, 'v'));
    write_file(rendered / "lesson.m4a", std::string(2048, 'a'));
    write_file(rendered / "manifest.json",
               R"({"id": "5e5e-1700000400000", "parts": ["audio", "video"], "files": [{"name": "lesson.mp4"}]})");
    fs::remove_all(dir);
    fs::rename(rendered, dir);
    REQUIRE(
        fx.data.catalog->set_recording_state(k_stream_id, storage::RecordingState::published, {}, 6000).has_value());
    CHECK(http_request(port, "GET", url("index.m3u8")).status == 404);
    CHECK(http_request(port, "GET", url("seg-00000.m4s")).status == 404);
    const auto video = http_request(port, "GET", fmt::format("/r/{}", k_stream_id)).body;
    CHECK(video.find("<video id=\"lesson\"") != std::string::npos);
    CHECK(video.find("parts.js") == std::string::npos);
}
