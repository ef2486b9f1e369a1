#include "tests/player/fixture.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <fstream>
#include <stdexcept>

namespace tafel::player::test {

std::string mp4_bytes(std::size_t first, std::size_t count) {
    std::string out;
    out.reserve(count);
    for (std::size_t i = first; i < first + count; ++i) out += mp4_byte(i);
    return out;
}

TempDir::TempDir()
    : path_(std::filesystem::temp_directory_path() / ("tafel-player-" + random_hex_id(8))) {
    std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

void write_file(const std::filesystem::path& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

DataFolder::DataFolder() : layout(dir.path() / "data") {
    auto ensured = layout.ensure();
    REQUIRE(ensured.has_value());
    auto opened = storage::Catalog::open("sqlite:" + (layout.root() / "tafel.db").string());
    REQUIRE(opened.has_value());
    catalog = std::move(*opened);

    const auto pub = layout.published_dir(k_id);
    std::filesystem::create_directories(pub);
    write_file(pub / "lesson.mp4", mp4_bytes(0, k_mp4_size));
    write_file(pub / "lesson.webm", std::string(4096, 'w'));
    write_file(pub / "chat.json",
               R"([{"t_ms": 12000, "name": "Jonas", "text": "Ist 2/4 dasselbe wie 1/2?"},)"
               R"({"t_ms": 45000, "name": "Frau Müller", "text": "Ja, gekürzt."}])");
    // The manifest also lists a hostile name: it must not widen what can be served.
    write_file(pub / "manifest.json", fmt::format(R"({{"id": "{}", "title": "Mathe 7b", "context": "klasse-7b",
        "duration_ms": 125000, "started_utc_us": 1700000000000000,
        "files": [{{"name": "lesson.mp4", "mime": "video/mp4", "bytes": {}}},
                  {{"name": "lesson.webm", "mime": "video/webm", "bytes": 4096}},
                  {{"name": "chat.json", "mime": "application/json", "bytes": 120}},
                  {{"name": "../../tafel.db", "mime": "application/octet-stream", "bytes": 1}}],
        "layout": {{}}}})", k_id, k_mp4_size));
    // Something that must never be served: next to the catalog, outside published/<id>/.
    write_file(layout.root() / "secret.txt", "top secret");

    storage::RecordingRow row;
    row.id = k_id;
    row.meeting_id = "mathe-7b";
    row.title = k_title;
    row.context = "klasse-7b";
    row.state = storage::RecordingState::published;
    row.started_utc_us = 1'700'000'000'000'000;
    row.duration_ms = 125'000;
    REQUIRE(catalog->put_recording(row).has_value());

    storage::RecordingRow older = row;
    older.id = k_older_id;
    older.title = "Deutsch 5a";
    older.started_utc_us = 1'690'000'000'000'000;
    REQUIRE(catalog->put_recording(older).has_value());
    std::filesystem::create_directories(layout.published_dir(k_older_id));
    write_file(layout.published_dir(k_older_id) / "lesson.webm", std::string(100, 'o'));

    storage::RecordingRow processing = row;
    processing.id = k_processing_id;
    processing.title = "Noch in Arbeit";
    processing.state = storage::RecordingState::processing;
    REQUIRE(catalog->put_recording(processing).has_value());

    storage::RecordingRow vanished = row;
    vanished.id = k_vanished_id;
    vanished.title = "Verschwunden";
    REQUIRE(catalog->put_recording(vanished).has_value());
}

ServerFixture::ServerFixture(int threads) : ServerFixture([threads] {
    ServerOptions o;
    o.threads = threads;
    return o;
}()) {}

ServerFixture::ServerFixture(ServerOptions options) {
    options.port = 0;
    auto created = Server::create(options, *data.catalog, data.layout);
    REQUIRE(created.has_value());
    server = std::move(*created);
    auto started = server->start();
    REQUIRE(started.has_value());
    REQUIRE(server->port() != 0);
}

} // namespace tafel::player::test
