#include "samples/rtp_sender.hpp"

#include "udp_probe.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>

using namespace tafel::samples;
using tafel::samples::test::UdpCounts;
using tafel::samples::test::UdpProbe;
using namespace std::chrono_literals;

TEST_CASE("VP8 and Opus senders deliver RTP with PT 96/111 and RTCP sender reports with wall-clock NTP",
          "[integration]") {
    UdpProbe video, audio;
    RtpSenderOptions options;
    options.streams = {{SenderStream::Kind::video, video.port(), 0, "Frau Müller"},
                       {SenderStream::Kind::audio, audio.port(), 440, ""}};
    auto sender = RtpSender::create(options);
    REQUIRE(sender);
    REQUIRE(sender->start());

    // Two seconds of media (15 fps video, 50 Opus packets a second) and at least one SR each.
    auto enough = [](int pt, int packets) {
        return [=](const UdpCounts& c) {
            auto it = c.rtp_by_pt.find(pt);
            return it != c.rtp_by_pt.end() && it->second >= packets && c.sender_reports >= 1;
        };
    };
    CHECK(video.wait_for(enough(96, 30), 10s));
    CHECK(audio.wait_for(enough(111, 100), 10s));
    CHECK(sender->check());
    auto stopped = sender->stop();
    INFO((stopped ? std::string("stopped") : stopped.error().describe()));
    REQUIRE(stopped);

    for (const UdpProbe* probe : {&video, &audio}) {
        const UdpCounts c = probe->counts();
        CHECK(c.rtp_by_pt.size() == 1); // one payload type per port, nothing else mixed in
        CHECK(c.rtp_ssrcs.size() == 1);
        // The SR's NTP time is the sender's wall clock (RFC 3550 6.4.1): within 2 s of ours.
        CHECK(std::llabs(c.first_sr_wall_us - c.first_sr_received_us) < 2'000'000);
        // rtcp-mux over one socket: RTP and RTCP come from the same source port.
        CHECK(c.source_port_rtp == c.source_port_rtcp);
    }
    CHECK(video.counts().rtp_by_pt.count(96) == 1);
    CHECK(audio.counts().rtp_by_pt.count(111) == 1);
    // A clean stop says goodbye (RFC 3550 6.6) so the receiver can close the stream at once.
    // stop() returns only after the BYEs were sent, so they are already in the sockets.
    CHECK(video.wait_for([](const UdpCounts& c) { return c.byes >= 1; }, 3s));
    CHECK(audio.wait_for([](const UdpCounts& c) { return c.byes >= 1; }, 3s));
}

TEST_CASE("a sender without streams or ports is refused with a reason", "[unit]") {
    auto none = RtpSender::create({});
    REQUIRE_FALSE(none);
    CHECK(none.error().message.find("no streams") != std::string::npos);

    RtpSenderOptions options;
    options.streams = {{SenderStream::Kind::audio, 0, 440, ""}};
    auto no_port = RtpSender::create(options);
    REQUIRE_FALSE(no_port);
    CHECK(no_port.error().message.find("no port") != std::string::npos);
}
