#pragma once
// A BigBlueButton client's camera and microphone as the offerer: Debian's headless Chromium
// with fake devices (getUserMedia → RTCPeerConnection, BUNDLE, rtcp-mux), driven by
// chromium_offerer.cjs through playwright-core (tests/browser's pinned node modules,
// installed on first use by tests/browser/node_modules.sh).
#include "offerer.hpp"

#include <nlohmann/json.hpp>

#include <memory>

namespace tafel::test {
class ChildProcess;
}

namespace tafel::bbb::test {

class ChromiumPeer final : public Offerer {
public:
    ChromiumPeer(); // starts node and Chromium; REQUIREs success
    ~ChromiumPeer() override;
    std::optional<std::string> offer() override;
    bool apply_answer(const std::string& sdp) override;

    // Media stops being sent (replaceTrack(null): no RTP at all, unlike track.enabled =
    // false) and resumes.
    void stop_sending();
    void resume_sending();
    // RTCPeerConnection.close(): DTLS close_notify, then silence.
    void close();
    // RTP packets sent so far, {"audio": n, "video": n} (getStats outbound-rtp).
    nlohmann::json packets_sent();

private:
    // Sends {"cmd": name, ...extra} and returns the reply's result; REQUIREs an ok reply.
    nlohmann::json call(const std::string& name, nlohmann::json extra = nlohmann::json::object());
    std::unique_ptr<tafel::test::ChildProcess> node_;
    std::optional<std::string> offer_; // the script makes one offer; asked again, the same
};

} // namespace tafel::bbb::test
