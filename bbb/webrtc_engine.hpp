#pragma once
// The MediaEngine of `tafel record --bbb`: GStreamer's webrtcbin (libnice ICE, DTLS, SRTP —
// nothing of that hand-written) answers the SFU's offer, receives VP8/Opus, writes the WebM
// and tafel's raw capture beside it (docs/bbb.md). GStreamer lives here and in samples/ only.
#include "bbb/media_engine.hpp"

#include <string>
#include <vector>

namespace tafel::bbb {

struct WebrtcOptions {
    // PLI cadence: the SFU forwards no keyframes on this path (issue 10).
    int keyframe_interval_ms = 3000;
    // `not_flowing` after this long without RTP, `flowing` again at the next packet.
    int not_flowing_after_ms = 5000;
    // The local addresses ICE gathers host candidates on. Empty: every address libnice
    // finds, loopback excluded. Naming some (e.g. the address the SFU reaches, or
    // 127.0.0.1 when the SFU runs on the same host) makes the answer offer only those.
    std::vector<std::string> ice_addresses;
};

class WebrtcEngine final : public MediaEngine {
public:
    // Initialises GStreamer and checks that webrtcbin, nicesrc and the depayloaders exist,
    // naming the Debian package that is missing.
    static Result<std::unique_ptr<WebrtcEngine>> create(const WebrtcOptions& options);

    Result<std::unique_ptr<MediaSession>> start(const std::string& offer_sdp, const std::filesystem::path& webm_path,
                                                MediaCallbacks callbacks) override;

private:
    explicit WebrtcEngine(WebrtcOptions options) : options_(options) {}
    WebrtcOptions options_;
};

} // namespace tafel::bbb
