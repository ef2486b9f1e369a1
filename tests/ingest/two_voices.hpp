#pragma once
// Two Opus voices of one recorder session for the consent tests: a pupil's stream and the
// teacher's (POST …/streams), fed from one loopback UDP socket, so that a test can compare
// what the recorder writes of each as consent and policy change.
#include "http_client.hpp"
#include "packet_builder.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace tafel::ingest::test {

class TwoVoices {
public:
    // `base` is "/api/v1/sessions/<id>" on the control API at `port`; both streams are added.
    TwoVoices(std::uint16_t port, const std::string& base, const std::string& pupil_id, const std::string& teacher_id)
        : port_(port), base_(base), pupil(add(pupil_id)), teacher(add(teacher_id)) {}
    TwoVoices(const TwoVoices&) = delete;
    TwoVoices& operator=(const TwoVoices&) = delete;

    // Five Opus packets to each stream (PT 111, the next five sequence numbers; the pupil's
    // payload carries its sequence number).
    void send_five() {
        for (int i = 0; i < 5; ++i) {
            RtpFields f;
            f.payload_type = 111;
            f.seq = seq_++;
            pupil_sent.push_back(rtp(f, {0xfc, static_cast<std::uint8_t>(f.seq)}));
            socket_.send_to(boost::asio::buffer(pupil_sent.back()), to(pupil));
            socket_.send_to(boost::asio::buffer(rtp(f, {0xfc, 0xff})), to(teacher));
        }
    }

    // Track `i` of the session as GET `base` shows it (its packets, drops, "recorded").
    nlohmann::json track(int i) const { return http_get(port_, base_).json()["tracks"][i]; }

private:
    HttpReply add(const std::string& participant) {
        auto added = http_post(port_, base_ + "/streams",
                               {{"kind", "audio"},
                                {"codec", "opus"},
                                {"payload_type", 111},
                                {"clock_rate", 48000},
                                {"channels", 2},
                                {"participant", participant}});
        REQUIRE(added.status == 201);
        return added;
    }
    static boost::asio::ip::udp::endpoint to(const HttpReply& stream) {
        return {boost::asio::ip::make_address("127.0.0.1"), stream.json()["port"].get<std::uint16_t>()};
    }

    std::uint16_t port_;
    std::string base_;

public:
    HttpReply pupil, teacher;                          // the recorder's answers: "port", "track", "recorded"
    std::vector<std::vector<std::uint8_t>> pupil_sent; // every packet sent to the pupil's stream

private:
    boost::asio::io_context io_;
    boost::asio::ip::udp::socket socket_{io_, {boost::asio::ip::make_address("127.0.0.1"), 0}};
    std::uint16_t seq_ = 0;
};

} // namespace tafel::ingest::test
