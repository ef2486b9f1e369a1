#pragma once
// The standard output of a shell command, for the independent checkers the tests call
// (tshark) and the GStreamer senders they start (gst-launch-1.0).
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <memory>
#include <string>

namespace tafel::ingest::test {

inline std::string shell_output(const std::string& cmd) {
    struct Closer {
        void operator()(FILE* f) const { pclose(f); }
    };
    std::unique_ptr<FILE, Closer> pipe(popen(cmd.c_str(), "r"));
    REQUIRE(pipe);
    std::string out;
    std::array<char, 4096> buf{};
    while (auto n = std::fread(buf.data(), 1, buf.size(), pipe.get())) out.append(buf.data(), n);
    return out;
}

} // namespace tafel::ingest::test
