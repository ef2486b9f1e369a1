// browser_catalog_row <data dir> <recording id> <title> <state> <parts>: puts one recording
// row into the catalog of a data folder (the same database `tafel serve --data-dir` opens),
// e.g. a recording still "processing" whose audio part is ready ("audio"). The browser tests
// use it to serve a recording folder they made themselves (the growing audio stream) without
// recording and rendering a lesson first. Test-only: the product never links it.
#include "core/config.hpp"
#include "storage/catalog.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <string>

int main(int argc, char** argv) {
    using namespace tafel;
    if (argc != 6) {
        std::fputs("usage: browser_catalog_row DATA_DIR ID TITLE STATE audio|audio,video\n", stderr);
        return 2;
    }
    Config config;
    config.data_dir = argv[1];
    auto catalog = storage::Catalog::open(config.effective_database_url());
    if (!catalog) {
        fmt::print(stderr, "catalog: {}\n", catalog.error().describe());
        return 1;
    }
    auto state = storage::recording_state_from(argv[4]);
    if (!state) {
        fmt::print(stderr, "state: {}\n", state.error().describe());
        return 2;
    }
    const std::string parts = argv[5];
    storage::RecordingRow row;
    row.id = argv[2];
    row.meeting_id = "browser-test";
    row.title = argv[3];
    row.context = "klasse-7b";
    row.state = *state;
    row.started_utc_us =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    if (auto put = (*catalog)->put_recording(row); !put) {
        fmt::print(stderr, "put: {}\n", put.error().describe());
        return 1;
    }
    unsigned mask = 0;
    if (parts.find("audio") != std::string::npos) mask |= storage::k_part_audio;
    if (parts.find("video") != std::string::npos) mask |= storage::k_part_video;
    if (auto marked = (*catalog)->mark_parts_ready(row.id, mask); !marked) {
        fmt::print(stderr, "parts: {}\n", marked.error().describe());
        return 1;
    }
    return 0;
}
