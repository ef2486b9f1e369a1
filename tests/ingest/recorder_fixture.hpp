#pragma once
// A real recorder for the control-API tests: control endpoint on a free loopback port, RTP
// ports from the test's own range (tests run in parallel, each file has its range), a fresh
// data folder and an in-memory catalog, with one session opened through the API.
#include "fake_catalog.hpp"
#include "ingest/recorder.hpp"
#include "storage/layout.hpp"
#include "tests/support/temp_dir.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tafel::ingest::test {

// A session request whose only participant is the moderator "t".
nlohmann::json teacher_session(const std::string& meeting_id, const std::string& name);

struct RecorderFixture {
    // `temp_name` names the data folder; `session` is POSTed to /api/v1/sessions.
    RecorderFixture(const std::string& temp_name, std::uint16_t rtp_min, std::uint16_t rtp_max,
                    const nlohmann::json& session);

    // "/api/v1/sessions/<id>" or "/api/v1/sessions/<id>/<action>".
    std::string path(const std::string& action = "") const;

    tafel::test::TempDir dir;
    storage::Layout layout;
    FakeCatalog catalog;
    std::unique_ptr<Recorder> recorder;
    std::uint16_t port = 0; // the control API's
    std::string id;         // the session's
};

// The next datagram on the UDP socket `fd` within `ms`, or empty. Plain poll + recv: Asio's
// synchronous receive would wait forever.
std::vector<std::uint8_t> receive_within(int fd, int ms);

} // namespace tafel::ingest::test
