#pragma once
// Builds BigBlueButton raw archive folders for the tests: an events.xml written event by
// event, media synthesised with the ffmpeg CLI under the names the events give, decks as
// PDFs drawn with Cairo.
#include "tests/support/temp_dir.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace tafel::archive::test {

using Fields = std::vector<std::pair<std::string, std::string>>;

class ArchiveBuilder {
public:
    // `meeting_id` "<hex>-<epoch ms>" as BBB names meetings; `version` "" for 0.8 files.
    ArchiveBuilder(std::filesystem::path dir, std::string meeting_id, std::string version = "2.4.0");

    ArchiveBuilder& event(std::int64_t timestamp_ms, const std::string& module, const std::string& name,
                          const Fields& fields = {});
    ArchiveBuilder& metadata(const std::string& key, const std::string& value);

    // Writes events.xml; `truncate_at` > 0 cuts the file after that many bytes.
    void write_events(std::size_t truncate_at = 0) const;

    // Media under the archive's folders, `seconds` long.
    std::filesystem::path webcam_webm(const std::string& basename, double seconds, const std::string& colour) const;
    std::filesystem::path webcam_flv(const std::string& basename, double seconds, const std::string& colour) const;
    std::filesystem::path audio_opus(const std::string& basename, double seconds) const;
    std::filesystem::path audio_wav(const std::string& basename, double seconds) const;
    // presentation/<name>/<name>.pdf with `pages` pages.
    std::filesystem::path deck(const std::string& presentation, int pages) const;

    const std::filesystem::path& dir() const { return dir_; }
    const std::string& meeting_id() const { return meeting_id_; }

private:
    std::filesystem::path dir_;
    std::string meeting_id_;
    std::string version_;
    std::vector<std::pair<std::string, std::string>> metadata_;
    std::string events_;
};

// Runs ffmpeg with `args` (a test tool); REQUIREs success.
void run_ffmpeg(const std::string& args);

// The shared scratch folder (tests/support), as the archive tests name it.
using tafel::test::TempDir;

} // namespace tafel::archive::test
