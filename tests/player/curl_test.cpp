// curl as an independent HTTP client for the Range case: if our Beast test client and our
// Beast server shared a misunderstanding, curl would not.
#include "tests/player/fixture.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>

using namespace tafel::player::test;

namespace {

struct PipeCloser {
    void operator()(FILE* f) const { pclose(f); }
};

std::string read_all(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

TEST_CASE("curl fetches a byte range: 206, Content-Range and exactly those bytes", "[integration]") {
    ServerFixture fx;
    const auto body = fx.data.dir.path() / "curl-body";
    const auto headers = fx.data.dir.path() / "curl-headers";
    // --max-time bounds the test; -r sends "Range: bytes=1000-1999".
    const std::string command = fmt::format(
        "curl --silent --show-error --max-time 20 -r 1000-1999 -o '{}' -D '{}' "
        "-w '%{{http_code}}' 'http://127.0.0.1:{}/r/{}/media/lesson.mp4' 2>&1",
        body.string(), headers.string(), fx.port(), k_id);
    std::unique_ptr<FILE, PipeCloser> pipe(popen(command.c_str(), "r"));
    REQUIRE(pipe);
    std::string out;
    std::array<char, 256> chunk{};
    while (std::fgets(chunk.data(), chunk.size(), pipe.get())) out += chunk.data();
    const int status = pclose(pipe.release());
    INFO(out);
    REQUIRE(status == 0);
    CHECK(out == "206");
    const std::string head = read_all(headers);
    CHECK(head.find(fmt::format("Content-Range: bytes 1000-1999/{}", k_mp4_size)) != std::string::npos);
    CHECK(head.find("Content-Type: video/mp4") != std::string::npos);
    CHECK(read_all(body) == mp4_bytes(1000, 1000));
}
