#pragma once
// The media side of one recording, behind a small interface so the Redis protocol
// (recorder_service) does not know GStreamer: webrtc_session.cpp implements it with webrtcbin.
#include "core/error.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace tafel::bbb {

// Called from media threads; the service re-posts them onto its own thread.
struct MediaCallbacks {
    // Once: the answer SDP after ICE gathering completed (no trickle), or why there is none.
    std::function<void(Result<std::string> answer_sdp)> on_answer;
    // The first media was written (wall time now, media time of that media in ms); again
    // each time media arrives after on_not_flowing.
    std::function<void(std::int64_t utc_us, std::int64_t hr_ms)> on_flowing;
    // No media arrived for a while after on_flowing (wall time now, media time reached).
    std::function<void(std::int64_t utc_us, std::int64_t hr_ms)> on_not_flowing;
    // The transport failed after the answer (ICE/DTLS broke): the recording is over.
    std::function<void(const Error& why)> on_failed;
    // The peer closed the transport (DTLS close_notify): the recording is over.
    std::function<void(const std::string& why)> on_closed;
};

class MediaSession {
public:
    virtual ~MediaSession() = default;
    // Stops receiving and finalises the files; returns the media time reached in ms.
    virtual std::int64_t stop() = 0;
};

class MediaEngine {
public:
    virtual ~MediaEngine() = default;
    // Checks the offer synchronously (a bad SDP fails here, before any reply is owed) and
    // starts negotiating; `webm_path` is where the WebM goes (the raw capture goes beside it).
    virtual Result<std::unique_ptr<MediaSession>> start(const std::string& offer_sdp,
                                                        const std::filesystem::path& webm_path,
                                                        MediaCallbacks callbacks) = 0;
};

} // namespace tafel::bbb
