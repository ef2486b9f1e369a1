#include "webrtc_peer.hpp"

#include <catch2/catch.hpp>
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace tafel::bbb::test {

struct WebrtcPeer::Impl {
    GstElement* pipeline = nullptr;
    GstElement* webrtc = nullptr;
    int drop_one_in = 0;
    std::atomic<int> seen{0};
    std::atomic<int> dropped{0};
};

namespace {

const GstStructure* wait_reply(GstPromise* promise) {
    if (gst_promise_wait(promise) != GST_PROMISE_RESULT_REPLIED) return nullptr;
    return gst_promise_get_reply(promise);
}

// SRTP leaves the RTP header in the clear (RFC 3711 section 3.1), so VP8 (payload type 96)
// is told from RTX and RTCP here, after encryption.
bool drop(WebrtcPeer::Impl& impl, GstBuffer* buffer) {
    std::uint8_t header[2] = {};
    if (gst_buffer_extract(buffer, 0, header, 2) != 2 || (header[1] & 0x7f) != 96) return false;
    if (++impl.seen % impl.drop_one_in != 0) return false;
    ++impl.dropped;
    return true;
}

GstPadProbeReturn drop_probe(GstPad*, GstPadProbeInfo* info, gpointer data) {
    auto& impl = *static_cast<WebrtcPeer::Impl*>(data);
    if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER)
        return drop(impl, GST_PAD_PROBE_INFO_BUFFER(info)) ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
    GstBufferList* list = gst_buffer_list_make_writable(GST_PAD_PROBE_INFO_BUFFER_LIST(info));
    gst_buffer_list_foreach(
        list,
        [](GstBuffer** buffer, guint, gpointer d) -> gboolean {
            if (drop(*static_cast<WebrtcPeer::Impl*>(d), *buffer)) {
                gst_buffer_unref(*buffer);
                *buffer = nullptr; // removed from the list
            }
            return TRUE;
        },
        data);
    GST_PAD_PROBE_INFO_DATA(info) = list;
    return GST_PAD_PROBE_OK;
}

// nicesink is made inside webrtcbin when the transport is: its input is what goes on the wire.
void on_element_added(GstBin*, GstBin*, GstElement* element, gpointer data) {
    GstElementFactory* factory = gst_element_get_factory(element);
    if (!factory || g_strcmp0(GST_OBJECT_NAME(factory), "nicesink") != 0) return;
    GstPad* sink = gst_element_get_static_pad(element, "sink");
    gst_pad_add_probe(sink, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
                      drop_probe, data, nullptr);
    gst_object_unref(sink);
}

} // namespace

int WebrtcPeer::dropped() const { return impl_->dropped.load(); }

WebrtcPeer::WebrtcPeer(int drop_one_in) : impl_(std::make_unique<Impl>()) {
    impl_->drop_one_in = drop_one_in;
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
    if (drop_one_in > 0)
        g_signal_connect(impl_->pipeline, "deep-element-added", G_CALLBACK(on_element_added), impl_.get());
    REQUIRE(gst_element_set_state(impl_->pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
    // mediasoup's consumer transport only sends.
    GstWebRTCRTPTransceiver* transceiver = nullptr;
    g_signal_emit_by_name(impl_->webrtc, "get-transceiver", 0, &transceiver);
    REQUIRE(transceiver);
    g_object_set(transceiver, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, nullptr);
    // With loss it also offers nack and RTX (RFC 4588) like mediasoup does: do-nack makes
    // webrtcbin keep sent packets and answer NACKs.
    if (drop_one_in > 0) g_object_set(transceiver, "do-nack", TRUE, nullptr);
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
