#pragma once
// One recording over WebRTC: a webrtcbin pipeline that answers the SFU's offer and writes
// what it receives. Created by WebrtcEngine; GStreamer types stay in the .cpp.
#include "bbb/media_engine.hpp"
#include "bbb/webrtc_engine.hpp"

#include <memory>

namespace tafel::bbb {

class WebrtcSession final : public MediaSession {
public:
    static Result<std::unique_ptr<MediaSession>> create(const std::string& offer_sdp,
                                                        const std::filesystem::path& webm_path,
                                                        const WebrtcOptions& options, MediaCallbacks callbacks);
    ~WebrtcSession() override;
    std::int64_t stop() override;

    struct State;

private:
    explicit WebrtcSession(std::shared_ptr<State> state) : state_(std::move(state)) {}
    std::shared_ptr<State> state_;
};

} // namespace tafel::bbb
