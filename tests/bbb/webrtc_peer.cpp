#include "webrtc_peer.hpp"

#include <catch2/catch.hpp>
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include <chrono>
#include <thread>

namespace tafel::bbb::test {

struct WebrtcPeer::Impl {
    GstElement* pipeline = nullptr;
    GstElement* webrtc = nullptr;
};

namespace {

const GstStructure* wait_reply(GstPromise* promise) {
    if (gst_promise_wait(promise) != GST_PROMISE_RESULT_REPLIED) return nullptr;
    return gst_promise_get_reply(promise);
}

} // namespace

WebrtcPeer::WebrtcPeer() : impl_(std::make_unique<Impl>()) {
    REQUIRE(gst_init_check(nullptr, nullptr, nullptr));
    GError* error = nullptr;
    impl_->pipeline = gst_parse_launch(
        "webrtcbin name=peer bundle-policy=max-bundle "
        "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=15/1 "
        "! vp8enc deadline=1 keyframe-max-dist=2000 ! rtpvp8pay pt=96 "
        "! application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000 ! peer.",
        &error);
    if (error) FAIL(error->message);
    REQUIRE(impl_->pipeline);
    impl_->webrtc = gst_bin_get_by_name(GST_BIN(impl_->pipeline), "peer");
    REQUIRE(gst_element_set_state(impl_->pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
    // mediasoup's consumer transport only sends.
    GstWebRTCRTPTransceiver* transceiver = nullptr;
    g_signal_emit_by_name(impl_->webrtc, "get-transceiver", 0, &transceiver);
    REQUIRE(transceiver);
    g_object_set(transceiver, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, nullptr);
    gst_object_unref(transceiver);
}

WebrtcPeer::~WebrtcPeer() {
    gst_element_set_state(impl_->pipeline, GST_STATE_NULL);
    gst_object_unref(impl_->webrtc);
    gst_object_unref(impl_->pipeline);
}

std::optional<std::string> WebrtcPeer::offer() {
    GstPromise* promise = gst_promise_new();
    g_signal_emit_by_name(impl_->webrtc, "create-offer", nullptr, promise);
    GstWebRTCSessionDescription* offer = nullptr;
    if (const GstStructure* reply = wait_reply(promise))
        gst_structure_get(reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, nullptr);
    gst_promise_unref(promise);
    if (!offer) return std::nullopt;
    promise = gst_promise_new();
    g_signal_emit_by_name(impl_->webrtc, "set-local-description", offer, promise);
    wait_reply(promise);
    gst_promise_unref(promise);
    gst_webrtc_session_description_free(offer);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
        GstWebRTCICEGatheringState state = GST_WEBRTC_ICE_GATHERING_STATE_NEW;
        g_object_get(impl_->webrtc, "ice-gathering-state", &state, nullptr);
        if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE) break;
        if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(20)); // polling a bounded condition
    }
    GstWebRTCSessionDescription* local = nullptr;
    g_object_get(impl_->webrtc, "local-description", &local, nullptr);
    if (!local) return std::nullopt;
    gchar* text = gst_sdp_message_as_text(local->sdp);
    std::string out = text;
    g_free(text);
    gst_webrtc_session_description_free(local);
    return out;
}

bool WebrtcPeer::apply_answer(const std::string& sdp) {
    GstSDPMessage* message = nullptr;
    gst_sdp_message_new_from_text(sdp.c_str(), &message);
    if (!message) return false;
    GstWebRTCSessionDescription* answer = gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_ANSWER, message);
    GstPromise* promise = gst_promise_new();
    g_signal_emit_by_name(impl_->webrtc, "set-remote-description", answer, promise);
    const GstStructure* reply = wait_reply(promise);
    const bool ok = !reply || !gst_structure_has_field(reply, "error");
    gst_promise_unref(promise);
    gst_webrtc_session_description_free(answer);
    return ok;
}

} // namespace tafel::bbb::test
