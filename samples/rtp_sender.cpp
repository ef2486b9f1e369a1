#include "samples/rtp_sender.hpp"

#include <cairo.h>
#include <fmt/format.h>
#include <gst/gst.h>

#include <deque>

namespace tafel::samples {
namespace {

struct GstObjectDeleter {
    void operator()(void* object) const noexcept { gst_object_unref(object); }
};
struct GErrorDeleter {
    void operator()(GError* e) const noexcept { g_error_free(e); }
};
struct GFreeDeleter {
    void operator()(void* p) const noexcept { g_free(p); }
};
struct MessageDeleter {
    void operator()(GstMessage* m) const noexcept { gst_message_unref(m); }
};
using ElementPtr = std::unique_ptr<GstElement, GstObjectDeleter>;
using BusPtr = std::unique_ptr<GstBus, GstObjectDeleter>;
using GErrorPtr = std::unique_ptr<GError, GErrorDeleter>;
using GCharPtr = std::unique_ptr<gchar, GFreeDeleter>;
using MessagePtr = std::unique_ptr<GstMessage, MessageDeleter>;

constexpr GstClockTime k_flash_ns = 300 * GST_MSECOND;

// The one place GStreamer's errors become tafel errors.
Error gst_error(std::string_view what, const GError* error, const gchar* debug = nullptr) {
    return Error(Errc::codec, fmt::format("rtp sender: {}: {}{}{}", what, error ? error->message : "unknown error",
                                          debug ? " — " : "", debug ? debug : ""));
}

Error error_of_message(GstMessage* message) {
    GError* raw = nullptr;
    gchar* raw_debug = nullptr;
    gst_message_parse_error(message, &raw, &raw_debug);
    GErrorPtr error(raw);
    GCharPtr debug(raw_debug);
    const char* source = GST_MESSAGE_SRC(message) ? GST_OBJECT_NAME(GST_MESSAGE_SRC(message)) : "pipeline";
    return gst_error(source, error.get(), debug.get());
}

// cairooverlay's "draw" runs on the video streaming thread; it must not throw (C callback).
void draw_clock(GstElement*, cairo_t* cr, guint64 timestamp_ns, guint64, gpointer user_data) noexcept {
    const auto* label = static_cast<const std::string*>(user_data);
    const guint64 ms = timestamp_ns / GST_MSECOND;
    if (timestamp_ns % GST_SECOND < k_flash_ns) { // the visual twin of the audio tone burst
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_rectangle(cr, 560, 20, 60, 60);
        cairo_fill(cr);
    }
    const std::string clock = fmt::format("{:02}:{:02}.{}", ms / 60'000, ms / 1000 % 60, ms / 100 % 10);
    cairo_set_source_rgba(cr, 0, 0, 0, 0.6);
    cairo_rectangle(cr, 16, 280, 360, 64);
    cairo_fill(cr);
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_set_font_size(cr, 22);
    cairo_move_to(cr, 28, 304);
    cairo_show_text(cr, label->c_str());
    cairo_set_font_size(cr, 30);
    cairo_move_to(cr, 28, 336);
    cairo_show_text(cr, clock.c_str());
}

std::string video_branch(std::size_t session) {
    return fmt::format(
        "videotestsrc is-live=true pattern=ball background-color=0xff1e3a5f foreground-color=0xffffcc00 "
        "! video/x-raw,width=640,height=360,framerate=15/1 "
        "! videoconvert ! cairooverlay name=clock{0} ! videoconvert "
        "! vp8enc deadline=1 keyframe-max-dist=30 target-bitrate=600000 cpu-used=8 threads=1 lag-in-frames=0 "
        "! rtpvp8pay pt={1} picture-id-mode=15-bit mtu=1200 ! rtp.send_rtp_sink_{0} ",
        session, k_vp8_payload_type);
}

std::string audio_branch(std::size_t session, const SenderStream& s) {
    // wave=ticks: bursts of sine-periods-per-tick periods every tick-interval, i.e. 300 ms.
    const int periods = s.tone_hz * 3 / 10;
    return fmt::format(
        "audiotestsrc is-live=true wave=ticks freq={1} tick-interval=1000000000 sine-periods-per-tick={2} "
        "volume=0.5 samplesperbuffer=960 ! audioconvert ! audioresample "
        "! audio/x-raw,rate={3},channels={4} ! opusenc bitrate=64000 frame-size=20 "
        "! rtpopuspay pt={5} ! rtp.send_rtp_sink_{0} ",
        session, s.tone_hz, periods > 0 ? periods : 1, k_opus_clock_rate, k_opus_channels, k_opus_payload_type);
}

// RFC 5761: RTP and RTCP of one session share a port; the funnel makes them share the socket
// too, so the receiver sees one 5-tuple per stream.
std::string output_branch(std::size_t session, const std::string& host, std::uint16_t port) {
    return fmt::format(
        "rtp.send_rtp_src_{0} ! funnel name=out{0} ! udpsink host={1} port={2} sync=false async=false "
        "rtp.send_rtcp_src_{0} ! out{0}. ",
        session, host, port);
}

} // namespace

struct RtpSender::Impl {
    std::deque<std::string> labels; // outlive the pipeline: draw_clock points into them
    ElementPtr pipeline;
    BusPtr bus;
    std::string description;
    bool playing = false;

    ~Impl() {
        if (pipeline) gst_element_set_state(pipeline.get(), GST_STATE_NULL);
    }
    Result<void> pop_error() {
        if (MessagePtr m{gst_bus_pop_filtered(bus.get(), GST_MESSAGE_ERROR)}) return std::unexpected(error_of_message(m.get()));
        return {};
    }
};

RtpSender::RtpSender(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RtpSender::RtpSender(RtpSender&&) noexcept = default;
RtpSender& RtpSender::operator=(RtpSender&&) noexcept = default;
RtpSender::~RtpSender() = default;

const std::string& RtpSender::description() const noexcept { return impl_->description; }

Result<RtpSender> RtpSender::create(const RtpSenderOptions& options) {
    if (options.streams.empty()) return fail(Errc::invalid_argument, "rtp sender: no streams");
    {
        GError* raw = nullptr;
        if (!gst_init_check(nullptr, nullptr, &raw)) {
            GErrorPtr error(raw);
            return std::unexpected(gst_error("gst_init", error.get()));
        }
    }
    auto impl = std::make_unique<Impl>();
    // ntp-time-source=ntp: sender reports carry the realtime clock as NTP (RFC 3550 section
    // 6.4.1), which is what a receiver anchors A/V sync and wall time on.
    std::string text = "rtpbin name=rtp ntp-time-source=ntp rtcp-sync-send-time=true ";
    for (std::size_t i = 0; i < options.streams.size(); ++i) {
        const SenderStream& s = options.streams[i];
        if (s.port == 0) return fail(Errc::invalid_argument, fmt::format("rtp sender: stream {} has no port", i));
        text += s.kind == SenderStream::Kind::video ? video_branch(i) : audio_branch(i, s);
        text += output_branch(i, options.host, s.port);
    }

    GError* raw = nullptr;
    impl->pipeline.reset(gst_parse_launch(text.c_str(), &raw));
    GErrorPtr error(raw);
    if (error) { // a missing element may still leave a partial pipeline: not usable
        return std::unexpected(gst_error("build pipeline", error.get()));
    }
    if (!impl->pipeline) return fail(Errc::codec, "rtp sender: gst_parse_launch returned nothing");
    impl->description = std::move(text);
    impl->bus.reset(gst_pipeline_get_bus(GST_PIPELINE(impl->pipeline.get())));

    GstBin* bin = GST_BIN(impl->pipeline.get());
    ElementPtr rtpbin(gst_bin_get_by_name(bin, "rtp"));
    for (std::size_t i = 0; i < options.streams.size(); ++i) {
        const SenderStream& s = options.streams[i];
        GObject* session = nullptr;
        g_signal_emit_by_name(rtpbin.get(), "get-internal-session", static_cast<guint>(i), &session);
        if (session) {
            g_object_set(session, "rtcp-min-interval",
                         static_cast<guint64>(options.rtcp_min_interval.count()) * GST_MSECOND, nullptr);
            g_object_unref(session);
        }
        if (s.kind == SenderStream::Kind::video) {
            impl->labels.push_back(s.label);
            ElementPtr overlay(gst_bin_get_by_name(bin, fmt::format("clock{}", i).c_str()));
            if (!overlay) return fail(Errc::internal, fmt::format("rtp sender: overlay of stream {} missing", i));
            g_signal_connect(overlay.get(), "draw", G_CALLBACK(draw_clock), &impl->labels.back());
        }
    }
    return RtpSender(std::move(impl));
}

Result<void> RtpSender::start() {
    if (impl_->playing) return {};
    if (gst_element_set_state(impl_->pipeline.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        if (auto e = impl_->pop_error(); !e) return e;
        return fail(Errc::codec, "rtp sender: the pipeline refused to start");
    }
    // Live sources do not preroll: the state change completes as soon as the elements run.
    const auto change = gst_element_get_state(impl_->pipeline.get(), nullptr, nullptr, 5 * GST_SECOND);
    if (change == GST_STATE_CHANGE_FAILURE) {
        if (auto e = impl_->pop_error(); !e) return e;
        return fail(Errc::codec, "rtp sender: the pipeline failed to reach PLAYING");
    }
    impl_->playing = true;
    return impl_->pop_error();
}

Result<void> RtpSender::check() { return impl_->pop_error(); }

Result<void> RtpSender::stop(std::chrono::milliseconds timeout) {
    if (!impl_->playing) return {};
    impl_->playing = false;
    gst_element_send_event(impl_->pipeline.get(), gst_event_new_eos());
    MessagePtr message(gst_bus_timed_pop_filtered(
        impl_->bus.get(), static_cast<GstClockTime>(timeout.count()) * GST_MSECOND,
        static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR)));
    gst_element_set_state(impl_->pipeline.get(), GST_STATE_NULL);
    if (!message) {
        return fail(Errc::cancelled, fmt::format("rtp sender: no end of stream within {} ms", timeout.count()));
    }
    if (GST_MESSAGE_TYPE(message.get()) == GST_MESSAGE_ERROR) return std::unexpected(error_of_message(message.get()));
    return {};
}

} // namespace tafel::samples
