#include "samples/rtp_sender.hpp"

#include <cairo.h>
#include <fmt/format.h>
#include <gst/gst.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <mutex>

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
using PadPtr = std::unique_ptr<GstPad, GstObjectDeleter>;
using GErrorPtr = std::unique_ptr<GError, GErrorDeleter>;
using GCharPtr = std::unique_ptr<gchar, GFreeDeleter>;
using MessagePtr = std::unique_ptr<GstMessage, MessageDeleter>;

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

// What the video overlay of one stream draws; lives in RtpSender::Impl (the callback points here).
struct VideoOverlay {
    std::string label;
    MarkerSchedule markers;
    bool marked = false;
};

// What the audio probe of one stream does around the markers.
struct AudioMarks {
    MarkerSchedule markers;
    bool beeps = false; // the marked stream beeps; the others are only silenced
};

// cairooverlay's "draw" runs on the video streaming thread; it must not throw (C callback).
// `timestamp_ns` is the buffer's PTS: the capture instant on the pipeline's running time.
void draw_clock(GstElement*, cairo_t* cr, guint64 timestamp_ns, guint64, gpointer user_data) noexcept {
    const auto* overlay = static_cast<const VideoOverlay*>(user_data);
    if (overlay->marked && overlay->markers.flash_at(static_cast<std::int64_t>(timestamp_ns / 1000))) {
        // The marker: the whole frame white (the audio's 1 kHz beep starts at the same instant).
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_paint(cr);
        return;
    }
    const guint64 ms = timestamp_ns / GST_MSECOND;
    const std::string clock = fmt::format("{:02}:{:02}.{}", ms / 60'000, ms / 1000 % 60, ms / 100 % 10);
    cairo_set_source_rgba(cr, 0, 0, 0, 0.6);
    cairo_rectangle(cr, 16, 280, 360, 64);
    cairo_fill(cr);
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_set_font_size(cr, 22);
    cairo_move_to(cr, 28, 304);
    cairo_show_text(cr, overlay->label.c_str());
    cairo_set_font_size(cr, 30);
    cairo_move_to(cr, 28, 336);
    cairo_show_text(cr, clock.c_str());
}

// A buffer probe on the Opus encoder's sink pad (S16LE, interleaved, k_opus_channels): within
// k_marker_quiet_ms of a marker the samples are replaced by the beep (marked stream) or by
// silence, so that the beep is the only sound near the marker. Sample times come from the
// buffer's PTS, the same running time the video overlay marks its frames by.
GstPadProbeReturn on_audio_buffer(GstPad*, GstPadProbeInfo* info, gpointer user_data) noexcept {
    const auto* marks = static_cast<const AudioMarks*>(user_data);
    GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    if (buffer == nullptr || !GST_BUFFER_PTS_IS_VALID(buffer)) return GST_PAD_PROBE_OK;
    const auto start_us = static_cast<std::int64_t>(GST_BUFFER_PTS(buffer) / 1000);
    const auto frames = static_cast<std::int64_t>(gst_buffer_get_size(buffer) / (2 * k_opus_channels));
    const std::int64_t end_us = start_us + frames * 1'000'000 / k_opus_clock_rate;
    // The quiet span (800 ms) is longer than a buffer (20 ms): checking both ends suffices.
    if (!marks->markers.quiet_at(start_us) && !marks->markers.quiet_at(end_us)) return GST_PAD_PROBE_OK;
    buffer = gst_buffer_make_writable(buffer);
    GST_PAD_PROBE_INFO_DATA(info) = buffer;
    GstMapInfo map;
    if (!gst_buffer_map(buffer, &map, GST_MAP_WRITE)) return GST_PAD_PROBE_OK;
    for (std::int64_t i = 0; i < frames; ++i) {
        const std::int64_t t_us = start_us + i * 1'000'000 / k_opus_clock_rate;
        if (!marks->markers.quiet_at(t_us)) continue;
        const double v = marks->beeps ? marks->markers.beep_sample(t_us) : 0.0;
        const auto sample = static_cast<std::int16_t>(std::lround(v * 32767.0));
        for (int c = 0; c < k_opus_channels; ++c) {
            const std::size_t at = static_cast<std::size_t>(i * k_opus_channels + c) * 2; // little endian
            map.data[at] = static_cast<std::uint8_t>(static_cast<std::uint16_t>(sample) & 0xff);
            map.data[at + 1] = static_cast<std::uint8_t>(static_cast<std::uint16_t>(sample) >> 8);
        }
    }
    gst_buffer_unmap(buffer, &map);
    return GST_PAD_PROBE_OK;
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
        "! audio/x-raw,format=S16LE,rate={3},channels={4} ! opusenc name=enc{0} bitrate=64000 frame-size=20 "
        "! rtpopuspay pt={5} ! rtp.send_rtp_sink_{0} ",
        session, s.tone_hz, periods > 0 ? periods : 1, k_opus_clock_rate, k_opus_channels, k_opus_payload_type);
}

// RFC 5761: RTP and RTCP of one session share a port; the funnel makes them share the socket
// too, so the receiver sees one 5-tuple per stream.
std::string output_branch(std::size_t session, const std::string& host, std::uint16_t port) {
    return fmt::format(
        "rtp.send_rtp_src_{0} ! funnel name=out{0} ! udpsink name=sink{0} host={1} port={2} sync=false async=false "
        "rtp.send_rtcp_src_{0} ! out{0}. ",
        session, host, port);
}

// How far one rtpbin session got in ending: its RTP reached end of stream and its RTCP BYE
// (RFC 3550 section 6.6) went out. GStreamer 1.22's rtpsession sometimes sends the BYE but never
// the EOS on send_rtcp_src, so the pipeline-wide EOS message cannot be relied on; the probes
// below watch for exactly what a receiver needs instead.
struct SessionEnd {
    std::mutex* mutex = nullptr;
    std::condition_variable* changed = nullptr;
    PadPtr sink_pad;       // the udpsink's
    PadPtr feeding_pad;    // the funnel's src pad, busy ("using") until the udpsink sent a buffer
    bool rtp_eos = false;  // EOS left rtpbin's send_rtp_src
    bool bye_seen = false; // a BYE entered the udpsink
    bool bye_sent = false; // … and the udpsink finished sending it (idle probe)
};

bool has_bye(GstBuffer* buffer) {
    GstMapInfo map;
    if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return false;
    bool bye = false;
    // A compound RTCP packet is a run of packets, each with a 16-bit length in 32-bit words
    // minus one (RFC 3550 section 6.4.1); BYE has packet type 203.
    for (gsize off = 0; off + 4 <= map.size;) {
        if (map.data[off + 1] == 203) bye = true;
        off += (static_cast<gsize>(map.data[off + 2]) << 8 | map.data[off + 3]) * 4 + 4;
    }
    gst_buffer_unmap(buffer, &map);
    return bye;
}

GstPadProbeReturn on_rtp_event(GstPad*, GstPadProbeInfo* info, gpointer user_data) noexcept {
    auto* end = static_cast<SessionEnd*>(user_data);
    if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_EOS) {
        std::lock_guard lock(*end->mutex);
        end->rtp_eos = true;
        end->changed->notify_all();
    }
    return GST_PAD_PROBE_OK;
}

GstPadProbeReturn on_sink_buffer(GstPad*, GstPadProbeInfo* info, gpointer user_data) noexcept {
    auto* end = static_cast<SessionEnd*>(user_data);
    if (has_bye(GST_PAD_PROBE_INFO_BUFFER(info))) {
        std::lock_guard lock(*end->mutex);
        end->bye_seen = true;
        end->changed->notify_all();
    }
    return GST_PAD_PROBE_OK;
}

// Called once the funnel's src pad is idle. The BYE was seen on the udpsink's sink pad, i.e.
// inside the funnel's push of it, so idle here means that push — the send — has returned.
GstPadProbeReturn on_sink_idle(GstPad*, GstPadProbeInfo*, gpointer user_data) noexcept {
    auto* end = static_cast<SessionEnd*>(user_data);
    std::lock_guard lock(*end->mutex);
    end->bye_sent = true;
    end->changed->notify_all();
    return GST_PAD_PROBE_REMOVE;
}

} // namespace

struct RtpSender::Impl {
    // Declared before the pipeline so that they outlive it: callbacks point into them.
    std::deque<VideoOverlay> overlays;  // draw_clock
    std::deque<AudioMarks> audio_marks; // on_audio_buffer
    std::mutex end_mutex;
    std::condition_variable end_changed;
    std::deque<SessionEnd> ends; // the probes

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
    // rtcp-sync-send-time=false: an SR's RTP timestamp is the media captured at its NTP time
    // (RFC 3550 6.4.1: "the same time as the NTP timestamp"), derived from the buffers'
    // capture PTS. With send time, the encoder's latency — larger for video than for audio,
    // and growing with CPU load — shifted each stream by its own delay: the live sync test
    // saw the flash up to 55 ms behind the beep on a loaded machine.
    std::string text = "rtpbin name=rtp ntp-time-source=ntp rtcp-sync-send-time=false ";
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
        impl->ends.push_back({&impl->end_mutex, &impl->end_changed});
        SessionEnd& end = impl->ends.back();
        PadPtr rtp_src(gst_element_get_static_pad(rtpbin.get(), fmt::format("send_rtp_src_{}", i).c_str()));
        ElementPtr udpsink(gst_bin_get_by_name(bin, fmt::format("sink{}", i).c_str()));
        if (udpsink) end.sink_pad.reset(gst_element_get_static_pad(udpsink.get(), "sink"));
        if (end.sink_pad) end.feeding_pad.reset(gst_pad_get_peer(end.sink_pad.get()));
        if (!rtp_src || !end.feeding_pad) {
            return fail(Errc::internal, fmt::format("rtp sender: pads of stream {} missing", i));
        }
        gst_pad_add_probe(rtp_src.get(), GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_rtp_event, &end, nullptr);
        gst_pad_add_probe(end.sink_pad.get(), GST_PAD_PROBE_TYPE_BUFFER, on_sink_buffer, &end, nullptr);

        GObject* session = nullptr;
        g_signal_emit_by_name(rtpbin.get(), "get-internal-session", static_cast<guint>(i), &session);
        if (session) {
            g_object_set(session, "rtcp-min-interval",
                         static_cast<guint64>(options.rtcp_min_interval.count()) * GST_MSECOND, nullptr);
            g_object_unref(session);
        }
        if (s.kind == SenderStream::Kind::video) {
            impl->overlays.push_back({s.label, options.markers, s.marked});
            ElementPtr overlay(gst_bin_get_by_name(bin, fmt::format("clock{}", i).c_str()));
            if (!overlay) return fail(Errc::internal, fmt::format("rtp sender: overlay of stream {} missing", i));
            g_signal_connect(overlay.get(), "draw", G_CALLBACK(draw_clock), &impl->overlays.back());
        } else if (options.markers.enabled()) {
            impl->audio_marks.push_back({options.markers, s.marked});
            ElementPtr encoder(gst_bin_get_by_name(bin, fmt::format("enc{}", i).c_str()));
            PadPtr encoder_sink(encoder ? gst_element_get_static_pad(encoder.get(), "sink") : nullptr);
            if (!encoder_sink)
                return fail(Errc::internal, fmt::format("rtp sender: Opus encoder of stream {} missing", i));
            gst_pad_add_probe(encoder_sink.get(), GST_PAD_PROBE_TYPE_BUFFER, on_audio_buffer, &impl->audio_marks.back(),
                              nullptr);
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
    // Done when every session's RTP ended and its BYE was sent; errors end the wait early.
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto wait_all = [&](auto&& pred) -> Result<bool> {
        while (std::chrono::steady_clock::now() < deadline) {
            std::unique_lock lock(impl_->end_mutex);
            const bool all = impl_->end_changed.wait_until(
                lock, std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(50)),
                [&] { return std::all_of(impl_->ends.begin(), impl_->ends.end(), pred); });
            lock.unlock();
            if (auto e = impl_->pop_error(); !e) return std::unexpected(e.error());
            if (all) return true;
        }
        return false;
    };
    Result<bool> ended = wait_all([](const SessionEnd& e) { return e.rtp_eos && e.bye_seen; });
    if (ended && *ended) {
        for (auto& end : impl_->ends) { // may run on_sink_idle right here: no lock held
            gst_pad_add_probe(end.feeding_pad.get(), GST_PAD_PROBE_TYPE_IDLE, on_sink_idle, &end, nullptr);
        }
        ended = wait_all([](const SessionEnd& e) { return e.bye_sent; });
    }
    const bool all_done = ended && *ended;
    Result<void> result = ended ? Result<void>() : std::unexpected(ended.error());
    gst_element_set_state(impl_->pipeline.get(), GST_STATE_NULL);
    if (!result) return result;
    if (!all_done) {
        return fail(Errc::cancelled, fmt::format("rtp sender: streams did not end (EOS + RTCP BYE) within {} ms",
                                                 timeout.count()));
    }
    return {};
}

} // namespace tafel::samples
