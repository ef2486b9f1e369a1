#include "recorder_fixture.hpp"

#include "http_client.hpp"

#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/socket.h>

namespace tafel::ingest::test {

nlohmann::json teacher_session(const std::string& meeting_id, const std::string& name) {
    return {{"meeting_id", meeting_id},
            {"name", name},
            {"participants", {{{"id", "t"}, {"name", "T"}, {"role", "moderator"}}}}};
}

RecorderFixture::RecorderFixture(const std::string& temp_name, std::uint16_t rtp_min, std::uint16_t rtp_max,
                                 const nlohmann::json& session)
    : dir("tafel-" + temp_name), layout(dir.path()) {
    auto r = Recorder::create(RecorderOptions{"127.0.0.1", 0, rtp_min, rtp_max}, catalog, layout);
    REQUIRE(r);
    recorder = std::move(*r);
    REQUIRE(recorder->start());
    port = recorder->control_port();
    const auto created = http_post(port, "/api/v1/sessions", session);
    REQUIRE(created.status == 201);
    id = created.json()["id"];
}

std::string RecorderFixture::path(const std::string& action) const {
    return "/api/v1/sessions/" + id + (action.empty() ? "" : "/" + action);
}

std::vector<std::uint8_t> receive_within(int fd, int ms) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, ms) != 1) return {};
    std::vector<std::uint8_t> buf(1500);
    const auto n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n < 0) return {};
    buf.resize(static_cast<std::size_t>(n));
    return buf;
}

} // namespace tafel::ingest::test
