#include "bbb/webrtc_engine.hpp"

#include "bbb/webrtc_session.hpp"

#include <fmt/format.h>
#include <arpa/inet.h>
#include <gst/gst.h>

#include <array>

namespace tafel::bbb {

Result<std::unique_ptr<WebrtcEngine>> WebrtcEngine::create(const WebrtcOptions& options) {
    GError* error = nullptr;
    if (!gst_init_check(nullptr, nullptr, &error)) {
        std::string text = error ? error->message : "unknown error";
        if (error) g_error_free(error);
        return fail(Errc::internal, fmt::format("gst_init: {}", text));
    }
    // Each element with the Debian package that brings it: a missing one is a start-up error
    // that says what to install, not a failed first lesson.
    constexpr std::pair<const char*, const char*> needed[] = {
        {"webrtcbin", "gstreamer1.0-plugins-bad"}, {"nicesrc", "gstreamer1.0-nice"},
        {"dtlssrtpdec", "gstreamer1.0-plugins-bad"}, {"rtpvp8depay", "gstreamer1.0-plugins-good"},
        {"rtpopusdepay", "gstreamer1.0-plugins-good"}, {"webmmux", "gstreamer1.0-plugins-good"},
    };
    for (const auto& [element, package] : needed) {
        GstElementFactory* factory = gst_element_factory_find(element);
        if (!factory)
            return fail(Errc::unsupported, fmt::format("GStreamer element {} is missing (install {})", element, package));
        gst_object_unref(factory);
    }
    // A mistyped ICE address is a start-up error, not a failed first recording.
    for (const auto& address : options.ice_addresses) {
        std::array<unsigned char, 16> bytes{};
        if (::inet_pton(AF_INET, address.c_str(), bytes.data()) != 1 &&
            ::inet_pton(AF_INET6, address.c_str(), bytes.data()) != 1)
            return fail(Errc::invalid_argument, fmt::format("--bbb-ice-address {} is not an IP address", address));
    }
    return std::unique_ptr<WebrtcEngine>(new WebrtcEngine(options));
}

Result<std::unique_ptr<MediaSession>> WebrtcEngine::start(const std::string& offer_sdp,
                                                          const std::filesystem::path& webm_path,
                                                          MediaCallbacks callbacks) {
    return WebrtcSession::create(offer_sdp, webm_path, options_, std::move(callbacks));
}

} // namespace tafel::bbb
