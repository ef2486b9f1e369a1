#pragma once
// A data folder with one published recording (manifest.json, a 100 KiB lesson.mp4 of
// known bytes, a small lesson.webm, chat.json) registered in a real SQLite catalog, a
// recording still processing, and a player server on a free port.
#include "core/ids.hpp"
#include "player/server.hpp"
#include "storage/catalog.hpp"
#include "storage/layout.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace tafel::player::test {

inline constexpr const char* k_id = "4f2a9c0d1e-1700000000000";
inline constexpr const char* k_older_id = "3c3c-1690000000000";     // published earlier
inline constexpr const char* k_processing_id = "77aa-1700000100000";
inline constexpr const char* k_vanished_id = "88bb-1700000200000"; // published, folder gone
inline constexpr const char* k_title = "Mathe 7b: Brüche <kürzen> & erweitern";
inline constexpr std::size_t k_mp4_size = 100 * 1024;

// The byte at offset i of the fake lesson.mp4: a pattern no range can fake by accident.
inline char mp4_byte(std::size_t i) { return static_cast<char>((i * 7 + i / 251) % 256); }
std::string mp4_bytes(std::size_t first, std::size_t count);

class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// Writes the files and catalog rows; does not start a server.
struct DataFolder {
    DataFolder();
    TempDir dir;
    storage::Layout layout;
    std::unique_ptr<storage::Catalog> catalog;
};

// DataFolder + a started server on 127.0.0.1:<free port>.
struct ServerFixture {
    explicit ServerFixture(int threads = 2);
    // With these options (port and threads are overridden: a free port, 2 threads).
    explicit ServerFixture(ServerOptions options);
    DataFolder data;
    std::unique_ptr<Server> server;
    std::uint16_t port() const { return server->port(); }
};

void write_file(const std::filesystem::path& path, const std::string& bytes);

} // namespace tafel::player::test
