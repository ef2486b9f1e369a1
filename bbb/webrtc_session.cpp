#include "bbb/webrtc_session.hpp"

#include "bbb/rtp_capture.hpp"
#include "core/log.hpp"
#include "core/unique_fd.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/video/video-event.h>
#include <gst/webrtc/webrtc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

namespace tafel::bbb {

namespace fs = std::filesystem;

namespace {

// The answer is owed even when some candidate never finishes gathering (an unreachable STUN
// server): after this long the candidates found so far go out.
constexpr auto gathering_timeout = std::chrono::seconds(10);
// How long stop() waits for the muxer to write cues and duration.
constexpr auto finalise_timeout = std::chrono::seconds(5);
// Keyframe requests (PLI) are let through at most this often.
constexpr std::int64_t min_pli_interval_ns = 1'000'000'000;
// How often the raw capture is written and synced (bbb/rtp_capture.hpp).
constexpr auto capture_sync_interval = std::chrono::seconds(1);

std::int64_t now_utc_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

struct OfferKinds {
    bool video = false;
    bool audio = false;
};

// What we can record: VP8 video and Opus audio (bbb-webrtc-sfu's recorder path offers
// nothing else). A media section with neither is left for webrtcbin to reject.
Result<OfferKinds> check_offer(const GstSDPMessage* sdp) {
    OfferKinds kinds;
    const guint medias = gst_sdp_message_medias_len(sdp);
    if (medias == 0) return fail(Errc::malformed_input, "the offer has no m= section");
    for (guint i = 0; i < medias; ++i) {
        const GstSDPMedia* media = gst_sdp_message_get_media(sdp, i);
        const char* kind = gst_sdp_media_get_media(media);
        const char* proto = gst_sdp_media_get_proto(media);
        if (!kind || !proto) return fail(Errc::malformed_input, fmt::format("m= section {} is incomplete", i));
        for (guint a = 0; a < gst_sdp_media_attributes_len(media); ++a) {
            const GstSDPAttribute* attr = gst_sdp_media_get_attribute(media, a);
            if (g_strcmp0(attr->key, "rtpmap") != 0 || !attr->value) continue;
            const std::string value = attr->value;
            if (value.find("VP8/90000") != std::string::npos && g_strcmp0(kind, "video") == 0) kinds.video = true;
            if ((value.find("opus/48000") != std::string::npos || value.find("OPUS/48000") != std::string::npos) &&
                g_strcmp0(kind, "audio") == 0)
                kinds.audio = true;
        }
    }
    bool fingerprint = gst_sdp_message_get_attribute_val(sdp, "fingerprint") != nullptr;
    for (guint i = 0; i < medias && !fingerprint; ++i)
        fingerprint = gst_sdp_media_get_attribute_val(gst_sdp_message_get_media(sdp, i), "fingerprint") != nullptr;
    if (!fingerprint) return fail(Errc::malformed_input, "the offer has no a=fingerprint (DTLS is required)");
    if (!kinds.video && !kinds.audio) return fail(Errc::unsupported, "the offer has neither VP8 video nor Opus audio");
    return kinds;
}

// Whether a frame at `pts` comes after the last one written at `last` in the WebM's own
// clock: Matroska block times count in TimestampScale units, 1 ms as webmmux writes them
// (RFC 9559 section 11), so two frames less than 1 ms apart land on one time — which a
// player reads as the same frame twice (seen under loss: ffmpeg's "586 >= 586").
bool advances_in_webm(GstClockTime last, GstClockTime pts) {
    if (!GST_CLOCK_TIME_IS_VALID(last) || !GST_CLOCK_TIME_IS_VALID(pts)) return true;
    return pts / GST_MSECOND > last / GST_MSECOND;
}

// See link_branch: Opus caps without a rate get RTP's 48 kHz (RFC 7587 section 4.1).
GstPadProbeReturn add_opus_rate(GstPad*, GstPadProbeInfo* info, gpointer) {
    GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
    if (GST_EVENT_TYPE(event) != GST_EVENT_CAPS) return GST_PAD_PROBE_OK;
    GstCaps* caps = nullptr;
    gst_event_parse_caps(event, &caps);
    if (gst_caps_is_empty(caps) || gst_structure_has_field(gst_caps_get_structure(caps, 0), "rate"))
        return GST_PAD_PROBE_OK;
    GstCaps* with_rate = gst_caps_copy(caps);
    gst_caps_set_simple(with_rate, "rate", G_TYPE_INT, 48000, nullptr);
    gst_event_unref(event);
    GST_PAD_PROBE_INFO_DATA(info) = gst_event_new_caps(with_rate);
    gst_caps_unref(with_rate);
    return GST_PAD_PROBE_OK;
}

// Folders 0700 (issue 10: recordings hold pupils' faces and voices).
Result<void> make_private_dirs(const fs::path& dir) {
    if (dir.empty()) return {};
    std::error_code ec;
    if (fs::is_directory(dir, ec)) return {};
    if (auto r = make_private_dirs(dir.parent_path()); !r) return r;
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
        return fail(Errc::io, fmt::format("mkdir {}: {}", dir.string(), std::strerror(errno)));
    return {};
}

} // namespace

struct WebrtcSession::State : std::enable_shared_from_this<WebrtcSession::State> {
    std::mutex mutex;
    std::condition_variable wake;
    MediaCallbacks callbacks;
    fs::path webm_path;
    WebrtcOptions options;
    OfferKinds kinds;

    GstElement* pipeline = nullptr;
    GstElement* webrtc = nullptr;
    GstElement* mux = nullptr;
    GstPad* mux_video = nullptr; // request pads of the muxer, released in the destructor
    GstPad* mux_audio = nullptr;
    bool video_linked = false;
    bool audio_linked = false;
    GstPad* video_depay_sink = nullptr; // where keyframe requests go upstream

    bool local_set = false;
    bool answered = false;
    bool stopping = false;
    bool finalised = false;
    bool ended = false;               // the transport's end (failed or closed) was reported
    std::atomic<bool> flowing{false}; // the first `flowing` went out
    // When RTP last arrived (arrival clock, ns), and whether `not_flowing` was reported
    // since (the ticker's, under the mutex).
    std::atomic<std::int64_t> last_rtp_ns{-1};
    bool not_flowing = false;
    // Video only, on its streaming thread: waiting for a keyframe (at the start and after
    // loss), and the last frame time let through.
    bool awaiting_keyframe = true;
    GstClockTime last_video_pts = GST_CLOCK_TIME_NONE;
    GstClockTime last_audio_pts = GST_CLOCK_TIME_NONE; // on the audio streaming thread
    std::atomic<bool> keyframe_wanted{false};
    bool pli_now = false;
    std::atomic<std::int64_t> first_ms{-1};
    std::atomic<std::int64_t> last_ms{0};
    std::atomic<std::int64_t> last_pli_ns{-1}; // steady clock of the last keyframe request let through
    std::thread ticker;
    std::unique_ptr<RtpCapture> capture; // beside the WebM; opened with it
    std::atomic<int> webm_fd{-1};        // read-only, for fdatasync of what filesink wrote
    UniqueFd webm_fd_owner;

    ~State() {
        if (mux_video) gst_object_unref(mux_video);
        if (mux_audio) gst_object_unref(mux_audio);
        if (video_depay_sink) gst_object_unref(video_depay_sink);
        if (pipeline) gst_object_unref(pipeline);
    }

    void answer_locked();
    void end_locked(const std::string& why, bool closed_by_peer);
    void fail_locked(const std::string& why) { end_locked(why, false); }
    void check_flow_locked();
    Result<void> create_mux_locked();
    void link_branch(GstPad* pad);
    void run_ticker();
};

namespace {

using Weak = std::weak_ptr<WebrtcSession::State>;

Weak* weak_of(const std::shared_ptr<WebrtcSession::State>& state) { return new Weak(state); }
void destroy_weak(gpointer data) { delete static_cast<Weak*>(data); }
void destroy_weak_closure(gpointer data, GClosure*) { delete static_cast<Weak*>(data); }
std::shared_ptr<WebrtcSession::State> lock_state(gpointer data) { return static_cast<Weak*>(data)->lock(); }

} // namespace

void WebrtcSession::State::answer_locked() {
    if (answered) return;
    GstWebRTCSessionDescription* local = nullptr;
    g_object_get(webrtc, "local-description", &local, nullptr);
    if (!local) return;
    gchar* text = gst_sdp_message_as_text(local->sdp);
    std::string answer = text;
    g_free(text);
    gst_webrtc_session_description_free(local);
    answered = true;
    callbacks.on_answer(std::move(answer));
}

// The end of the transport, reported once: before the answer as a failed start, after it
// as `closed` (the peer said goodbye) or `failed`.
void WebrtcSession::State::end_locked(const std::string& why, bool closed_by_peer) {
    if (stopping || ended) return;
    ended = true;
    if (!answered) {
        answered = true;
        callbacks.on_answer(fail(Errc::network, why));
        return;
    }
    if (closed_by_peer)
        callbacks.on_closed(why);
    else
        callbacks.on_failed(Error{Errc::network, why});
}

// `not_flowing` when no RTP arrived for not_flowing_after_ms since media flowed (the sender
// stopped: a camera turned off, a track replaced by nothing), `flowing` again at the next
// packet. Judged by the arrival of RTP, before the jitterbuffer, so that a muxer waiting for
// a keyframe does not count as a stall.
void WebrtcSession::State::check_flow_locked() {
    const std::int64_t last = last_rtp_ns.load();
    if (!flowing.load() || last < 0) return;
    const std::int64_t idle_ns = arrival_now().ns - last;
    const std::int64_t limit_ns = std::int64_t{options.not_flowing_after_ms} * 1'000'000;
    if (!not_flowing && idle_ns > limit_ns) {
        not_flowing = true;
        const std::int64_t first = first_ms.load();
        callbacks.on_not_flowing(now_utc_us(), first < 0 ? 0 : last_ms.load());
    } else if (not_flowing && idle_ns < limit_ns) {
        not_flowing = false;
        const GstClockTime running = gst_element_get_current_running_time(pipeline);
        callbacks.on_flowing(now_utc_us(), GST_CLOCK_TIME_IS_VALID(running)
                                               ? static_cast<std::int64_t>(running / GST_MSECOND)
                                               : last_ms.load());
    }
}

Result<void> WebrtcSession::State::create_mux_locked() {
    if (mux) return {};
    if (auto r = make_private_dirs(webm_path.parent_path()); !r) return r;
    // Created here, 0600 and exclusive, so filesink (which opens with the umask's mode and
    // truncates) inherits the mode and two sessions can never share one file.
    const int fd = ::open(webm_path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return fail(Errc::io, fmt::format("create {}: {}", webm_path.string(), std::strerror(errno)));
    webm_fd_owner = UniqueFd(fd);
    webm_fd.store(fd);
    if (auto r = capture->open(); !r) return r;
    mux = gst_element_factory_make("webmmux", nullptr);
    GstElement* sink = gst_element_factory_make("filesink", nullptr);
    g_object_set(sink, "location", webm_path.c_str(), "async", FALSE, "sync", FALSE, nullptr);
    // Every buffer goes to the kernel at once (not 64 KiB at a time), and the ticker syncs
    // the file each second: after a kill -9 the WebM holds what was received up to then,
    // for the recovery pass to finalise (bbb/session_recovery.hpp).
    gst_util_set_object_arg(G_OBJECT(sink), "buffer-mode", "unbuffered");
    gst_bin_add_many(GST_BIN(pipeline), mux, sink, nullptr);
    if (!gst_element_link(mux, sink)) return fail(Errc::internal, "webmmux ! filesink did not link");
    if (kinds.video) mux_video = gst_element_request_pad_simple(mux, "video_%u");
    if (kinds.audio) mux_audio = gst_element_request_pad_simple(mux, "audio_%u");
    // The finalised trailer has reached the file when EOS reaches the sink.
    GstPad* sink_pad = gst_element_get_static_pad(sink, "sink");
    gst_pad_add_probe(
        sink_pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
        [](GstPad*, GstPadProbeInfo* info, gpointer data) -> GstPadProbeReturn {
            if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) != GST_EVENT_EOS) return GST_PAD_PROBE_OK;
            if (auto self = lock_state(data)) {
                std::lock_guard lock(self->mutex);
                self->finalised = true;
                self->wake.notify_all();
            }
            return GST_PAD_PROBE_OK;
        },
        new Weak(weak_from_this()), destroy_weak);
    gst_object_unref(sink_pad);
    gst_element_sync_state_with_parent(sink);
    gst_element_sync_state_with_parent(mux);
    return {};
}

// A webrtcbin source pad appears when the first RTP of a stream has been decrypted: build
// depayloader ! queue into the muxer (created now, so the file exists from the first media).
void WebrtcSession::State::link_branch(GstPad* pad) {
    GstCaps* caps = gst_pad_get_current_caps(pad);
    if (!caps) caps = gst_pad_query_caps(pad, nullptr);
    const GstStructure* s = gst_caps_get_structure(caps, 0);
    const std::string encoding = s && gst_structure_get_string(s, "encoding-name") ? gst_structure_get_string(s, "encoding-name") : "";
    gst_caps_unref(caps);
    const bool video = encoding == "VP8";
    const bool audio = encoding == "OPUS";
    auto logger = log::get("bbb");
    std::unique_lock lock(mutex);
    if (stopping) return;
    if ((!video && !audio) || (video && (!kinds.video || video_linked)) ||
        (audio && (!kinds.audio || audio_linked))) {
        // A stream we do not record (RTX arrives on its own pad, a second video, …): drained.
        GstElement* sink = gst_element_factory_make("fakesink", nullptr);
        g_object_set(sink, "async", FALSE, "sync", FALSE, nullptr);
        gst_bin_add(GST_BIN(pipeline), sink);
        gst_element_sync_state_with_parent(sink);
        GstPad* sink_pad = gst_element_get_static_pad(sink, "sink");
        gst_pad_link(pad, sink_pad);
        gst_object_unref(sink_pad);
        logger->info("{}: stream {} not recorded", webm_path.filename().string(), encoding);
        return;
    }
    if (auto r = create_mux_locked(); !r) {
        logger->error("{}", r.error().message);
        fail_locked(r.error().message);
        return;
    }
    GstElement* depay = gst_element_factory_make(video ? "rtpvp8depay" : "rtpopusdepay", nullptr);
    // After loss: drop frames until the next keyframe and ask for one (a PLI through the
    // RTP session, RFC 4585 section 6.3.1).
    if (video) g_object_set(depay, "wait-for-keyframe", TRUE, "request-keyframe", TRUE, nullptr);
    GstElement* queue = gst_element_factory_make("queue", nullptr);
    gst_bin_add_many(GST_BIN(pipeline), depay, queue, nullptr);
    gst_element_link(depay, queue);
    GstPad* queue_src = gst_element_get_static_pad(queue, "src");
    gst_pad_link(queue_src, video ? mux_video : mux_audio);
    // `flowing` goes out with the first buffer that reaches the muxer (issue 10: the SFU
    // stamps BBB's start event when it arrives).
    gst_pad_add_probe(
        queue_src, GST_PAD_PROBE_TYPE_BUFFER,
        [](GstPad* probe_pad, GstPadProbeInfo* info, gpointer data) -> GstPadProbeReturn {
            auto self = lock_state(data);
            if (!self) return GST_PAD_PROBE_OK;
            GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
            std::int64_t ms = 0;
            if (GST_BUFFER_PTS_IS_VALID(buffer)) {
                GstEvent* segment_event = gst_pad_get_sticky_event(probe_pad, GST_EVENT_SEGMENT, 0);
                if (segment_event) {
                    const GstSegment* segment = nullptr;
                    gst_event_parse_segment(segment_event, &segment);
                    const guint64 running = gst_segment_to_running_time(segment, GST_FORMAT_TIME, GST_BUFFER_PTS(buffer));
                    if (GST_CLOCK_TIME_IS_VALID(running)) ms = static_cast<std::int64_t>(running / GST_MSECOND);
                    gst_event_unref(segment_event);
                }
            }
            std::int64_t expected = -1;
            self->first_ms.compare_exchange_strong(expected, ms);
            if (ms > self->last_ms.load()) self->last_ms.store(ms);
            if (!self->flowing.exchange(true)) self->callbacks.on_flowing(now_utc_us(), ms);
            return GST_PAD_PROBE_OK;
        },
        new Weak(weak_from_this()), destroy_weak);
    gst_object_unref(queue_src);
    GstPad* depay_sink = gst_element_get_static_pad(depay, "sink");
    gst_pad_link(pad, depay_sink);
    if (video) {
        // Only decodable frames reach the file. It starts at a keyframe (inter frames before
        // it referenced frames sent before DTLS completed), and after loss the frames up to
        // the next keyframe are dropped: a discontinuity (rtpbasedepayload marks a gap in
        // the sequence numbers that NACK did not fill) or a frame time that does not
        // advance (a frame torn in two by a lost packet: the muxer would get two frames of
        // one time, and the decoder a broken reference — the VP8 decode errors once seen in
        // about one run in three). A keyframe is asked for each time.
        GstPad* depay_src = gst_element_get_static_pad(depay, "src");
        gst_pad_add_probe(
            depay_src, GST_PAD_PROBE_TYPE_BUFFER,
            [](GstPad*, GstPadProbeInfo* info, gpointer data) -> GstPadProbeReturn {
                auto self = lock_state(data);
                if (!self) return GST_PAD_PROBE_OK;
                GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
                const bool key = !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
                const GstClockTime pts = GST_BUFFER_PTS(buffer);
                const bool stale = !advances_in_webm(self->last_video_pts, pts);
                if (stale || (!key && GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DISCONT)))
                    self->awaiting_keyframe = true;
                if (stale || (self->awaiting_keyframe && !key)) {
                    if (!self->keyframe_wanted.exchange(true)) self->wake.notify_all();
                    return GST_PAD_PROBE_DROP;
                }
                self->awaiting_keyframe = false;
                if (GST_CLOCK_TIME_IS_VALID(pts)) self->last_video_pts = pts;
                return GST_PAD_PROBE_OK;
            },
            new Weak(weak_from_this()), destroy_weak);
        gst_object_unref(depay_src);
        // At most one keyframe request a second (issue 10), whether it comes from the
        // depayloader after loss or from the ticker: each becomes a PLI (RFC 4585 section
        // 6.3.1) and a keyframe costs the sender many packets.
        gst_pad_add_probe(
            depay_sink, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
            [](GstPad*, GstPadProbeInfo* info, gpointer data) -> GstPadProbeReturn {
                if (!gst_video_event_is_force_key_unit(GST_PAD_PROBE_INFO_EVENT(info))) return GST_PAD_PROBE_OK;
                auto self = lock_state(data);
                if (!self) return GST_PAD_PROBE_OK;
                const std::int64_t now = arrival_now().ns;
                std::int64_t last = self->last_pli_ns.load();
                do {
                    if (last >= 0 && now - last < min_pli_interval_ns) return GST_PAD_PROBE_DROP;
                } while (!self->last_pli_ns.compare_exchange_weak(last, now));
                // rtpsession turns all-headers requests into FIR (RFC 5104 section 4.3.1),
                // which is not for loss ("SHALL NOT be sent as a reaction to picture
                // losses", 4.3.1.2): the depayloader's are made PLIs.
                gboolean all_headers = FALSE;
                GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
                gst_video_event_parse_upstream_force_key_unit(event, nullptr, &all_headers, nullptr);
                if (all_headers) {
                    gst_event_unref(event);
                    GST_PAD_PROBE_INFO_DATA(info) =
                        gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, FALSE, 0);
                }
                return GST_PAD_PROBE_OK;
            },
            new Weak(weak_from_this()), destroy_weak);
        pli_now = true;
        wake.notify_all();
        video_linked = true;
        video_depay_sink = depay_sink; // kept: the ticker sends keyframe requests through it
    } else {
        // rtpopusdepay names a rate only when the offer has `sprop-maxcapturerate`, which
        // Chromium's does not carry, and webmmux refuses Opus caps without one: the
        // not-negotiated flow then stops the whole transport. Opus over RTP always runs
        // at 48 kHz (RFC 7587 section 4.1), which is what the WebM gets.
        GstPad* depay_src = gst_element_get_static_pad(depay, "src");
        gst_pad_add_probe(depay_src, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, add_opus_rate, nullptr, nullptr);
        // Audio times only go forward in the file: once in about ten Chromium runs one Opus
        // frame came out of the depayloader ~100 ms ahead of the next ones, which then went
        // back in time (ffmpeg: "non monotonically increasing dts"; where upstream the jump
        // comes from is not found). Those are dropped; an Opus frame needs no other to
        // decode (RFC 6716 section 4), so nothing else is lost.
        gst_pad_add_probe(
            depay_src, GST_PAD_PROBE_TYPE_BUFFER,
            [](GstPad*, GstPadProbeInfo* info, gpointer weak) -> GstPadProbeReturn {
                auto state = lock_state(weak);
                if (!state) return GST_PAD_PROBE_OK;
                const GstClockTime pts = GST_BUFFER_PTS(GST_PAD_PROBE_INFO_BUFFER(info));
                if (!advances_in_webm(state->last_audio_pts, pts)) return GST_PAD_PROBE_DROP;
                if (GST_CLOCK_TIME_IS_VALID(pts)) state->last_audio_pts = pts;
                return GST_PAD_PROBE_OK;
            },
            new Weak(weak_from_this()), destroy_weak);
        gst_object_unref(depay_src);
        audio_linked = true;
        gst_object_unref(depay_sink);
    }
    gst_element_sync_state_with_parent(queue);
    gst_element_sync_state_with_parent(depay);
    logger->info("{}: recording {}", webm_path.filename().string(), encoding);
}

// Keyframe requests every keyframe_interval_ms (the SFU forwards none on this path), and the
// gathering timeout. The depayloader's own requests after loss come on top; rtpsession sends
// at most one PLI per RTCP interval for them.
void WebrtcSession::State::run_ticker() {
    const auto started = std::chrono::steady_clock::now();
    auto next_pli = started + std::chrono::milliseconds(options.keyframe_interval_ms);
    auto next_sync = started + capture_sync_interval;
    std::unique_lock lock(mutex);
    while (!stopping) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= next_sync) {
            // The capture reaches the disk once a second (what a crash can lose), written
            // here so that the streaming threads never wait for the disk.
            next_sync = now + capture_sync_interval;
            lock.unlock();
            if (auto r = capture->flush(); !r) log::get("bbb")->warn("{}", r.error().describe());
            if (const int fd = webm_fd.load(); fd >= 0 && ::fdatasync(fd) != 0)
                log::get("bbb")->warn("fdatasync {}: {}", webm_path.string(), std::strerror(errno));
            lock.lock();
            continue;
        }
        if (!answered && now - started > gathering_timeout) {
            if (local_set) answer_locked();
            else fail_locked("no local description after 10 s (webrtcbin refused the offer)");
        }
        if (now >= next_pli || ((pli_now || keyframe_wanted.exchange(false)) && video_depay_sink)) {
            pli_now = false;
            next_pli = now + std::chrono::milliseconds(options.keyframe_interval_ms);
            if (video_depay_sink) {
                GstPad* pad = GST_PAD(gst_object_ref(video_depay_sink));
                lock.unlock();
                gst_pad_push_event(pad, gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, FALSE, 0));
                gst_object_unref(pad);
                lock.lock();
                continue;
            }
        }
        check_flow_locked();
        wake.wait_for(lock, std::chrono::milliseconds(200));
    }
}

namespace {

void on_local_set(GstPromise* promise, gpointer data) {
    gst_promise_unref(promise);
    auto self = lock_state(data);
    if (!self) return;
    std::lock_guard lock(self->mutex);
    self->local_set = true;
    GstWebRTCICEGatheringState gathering = GST_WEBRTC_ICE_GATHERING_STATE_NEW;
    g_object_get(self->webrtc, "ice-gathering-state", &gathering, nullptr);
    if (gathering == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE) self->answer_locked();
}

void on_answer_created(GstPromise* promise, gpointer data) {
    auto self = lock_state(data);
    if (!self) return gst_promise_unref(promise);
    GstWebRTCSessionDescription* answer = nullptr;
    if (gst_promise_wait(promise) == GST_PROMISE_RESULT_REPLIED) {
        const GstStructure* reply = gst_promise_get_reply(promise);
        if (reply) gst_structure_get(reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, nullptr);
    }
    gst_promise_unref(promise);
    if (!answer) {
        std::lock_guard lock(self->mutex);
        return self->fail_locked("webrtcbin could not create an answer to the offer");
    }
    GstPromise* next = gst_promise_new_with_change_func(on_local_set, weak_of(self), destroy_weak);
    g_signal_emit_by_name(self->webrtc, "set-local-description", answer, next);
    gst_webrtc_session_description_free(answer);
}

void on_remote_set(GstPromise* promise, gpointer data) {
    auto self = lock_state(data);
    const bool refused = gst_promise_wait(promise) != GST_PROMISE_RESULT_REPLIED ||
                         (gst_promise_get_reply(promise) && gst_structure_has_field(gst_promise_get_reply(promise), "error"));
    gst_promise_unref(promise);
    if (!self) return;
    if (refused) {
        std::lock_guard lock(self->mutex);
        return self->fail_locked("webrtcbin refused the offer");
    }
    GstPromise* next = gst_promise_new_with_change_func(on_answer_created, weak_of(self), destroy_weak);
    g_signal_emit_by_name(self->webrtc, "create-answer", nullptr, next);
}

void on_gathering(GstElement* webrtc, GParamSpec*, gpointer data) {
    auto self = lock_state(data);
    if (!self) return;
    GstWebRTCICEGatheringState gathering = GST_WEBRTC_ICE_GATHERING_STATE_NEW;
    g_object_get(webrtc, "ice-gathering-state", &gathering, nullptr);
    std::lock_guard lock(self->mutex);
    if (gathering == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE && self->local_set) self->answer_locked();
}

void on_connection_state(GstElement* webrtc, GParamSpec*, gpointer data) {
    auto self = lock_state(data);
    if (!self) return;
    GstWebRTCPeerConnectionState state = GST_WEBRTC_PEER_CONNECTION_STATE_NEW;
    g_object_get(webrtc, "connection-state", &state, nullptr);
    log::get("bbb")->debug("{}: connection state {}", self->webm_path.filename().string(), static_cast<int>(state));
    if (state == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED) {
        std::lock_guard lock(self->mutex);
        self->fail_locked("ICE/DTLS connection failed");
    }
}

// The peer closed the transport: DTLS close_notify (RFC 6347 section 4.2.7 keeps TLS's
// closure alerts, RFC 5246 section 7.2.1), which Chromium sends from
// RTCPeerConnection.close(). dtlssrtpdec's connection state says so; libnice never fails
// the ICE transport after the peer is gone (no consent freshness in webrtcbin's agent).
void on_dtls_state(GObject* dtls, GParamSpec* pspec, gpointer data) {
    auto self = lock_state(data);
    if (!self) return;
    gint state = 0;
    g_object_get(dtls, "connection-state", &state, nullptr);
    // GstDtlsConnectionState is private to the plugin: told by its nick.
    GEnumClass* states = G_ENUM_CLASS(g_type_class_ref(pspec->value_type));
    const GEnumValue* value = g_enum_get_value(states, state);
    const std::string nick = value ? value->value_nick : "";
    g_type_class_unref(states);
    log::get("bbb")->debug("{}: DTLS {}", self->webm_path.filename().string(), nick);
    std::lock_guard lock(self->mutex);
    if (nick == "closed") self->end_locked("the peer closed the DTLS connection (close_notify)", true);
    if (nick == "failed") self->fail_locked("the DTLS connection failed");
}

// dtlssrtpdec is made inside webrtcbin's transport when the offer is set.
void on_deep_element_added(GstBin*, GstBin*, GstElement* element, gpointer data) {
    GstElementFactory* factory = gst_element_get_factory(element);
    if (!factory || g_strcmp0(GST_OBJECT_NAME(factory), "dtlssrtpdec") != 0) return;
    auto self = lock_state(data);
    if (!self) return;
    g_signal_connect_data(element, "notify::connection-state", G_CALLBACK(on_dtls_state), weak_of(self),
                          destroy_weak_closure, GConnectFlags{});
}

// Generic NACK (RFC 4585 section 6.2.1) on every transceiver webrtcbin makes for the
// offer's m= sections: they are born with do-nack off, and then the answer leaves out
// `a=rtcp-fb:<pt> nack` (and RTX, RFC 4588) and the jitterbuffer never asks for a lost
// packet again. Set before create-answer, which reads it, and before the jitterbuffers
// exist, whose do-retransmission webrtcbin takes from it.
//
// And the codecs: webrtcbin answers each m= section with the first format of the offer its
// transceiver's codec preferences allow (all, when there are none). A browser's offer
// lists VP9, H.264 or AV1 as readily as VP8 (Safari puts H.264 first), so the preferences
// allow VP8 and Opus only — what the muxer and the SFU's recorder path take. One caps for
// every transceiver: an audio section intersects to Opus, a video one to VP8, a section
// with neither to nothing (rejected).
void on_new_transceiver(GstElement*, GstWebRTCRTPTransceiver* transceiver, gpointer) {
    GstCaps* recordable = gst_caps_from_string("application/x-rtp, media=video, encoding-name=VP8, clock-rate=90000; "
                                               "application/x-rtp, media=audio, encoding-name=OPUS, clock-rate=48000");
    g_object_set(transceiver, "do-nack", TRUE, "codec-preferences", recordable, nullptr);
    gst_caps_unref(recordable);
}

void on_pad_added(GstElement*, GstPad* pad, gpointer data) {
    if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
    if (auto self = lock_state(data)) self->link_branch(pad);
}

// Copies every buffer (or buffer list) passing a pad into the session's raw capture.
template <RtpCapture::Direction direction>
GstPadProbeReturn capture_probe(GstPad*, GstPadProbeInfo* info, gpointer data) {
    auto self = lock_state(data);
    if (!self) return GST_PAD_PROBE_OK;
    const ArrivalTime now = arrival_now();
    auto record = [&](GstBuffer* buffer) {
        GstMapInfo map;
        if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return;
        self->capture->record(now, direction, {map.data, map.size});
        gst_buffer_unmap(buffer, &map);
    };
    if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER) {
        record(GST_PAD_PROBE_INFO_BUFFER(info));
    } else if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
        GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
        for (guint i = 0; i < gst_buffer_list_length(list); ++i) record(gst_buffer_list_get(list, i));
    }
    return GST_PAD_PROBE_OK;
}

template <RtpCapture::Direction direction>
void add_capture_probe(GstPad* pad, const std::shared_ptr<WebrtcSession::State>& self) {
    gst_pad_add_probe(pad, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
                      capture_probe<direction>, weak_of(self), destroy_weak);
}

// RTP is taken where rtpbin hands it to the jitterbuffer of its SSRC: after SRTP and after
// RTX packets were turned back into the originals (RFC 4588 section 4, rtprtxreceive), before
// any reordering or loss handling — so the capture holds every packet with its arrival time,
// one SSRC per stream, as `tafel import` expects.
void on_new_jitterbuffer(GstElement*, GstElement* jitterbuffer, guint, guint, gpointer data) {
    auto self = lock_state(data);
    if (!self) return;
    // Lost packets are asked for again (generic NACK, RFC 4585 section 6.2.1), which the
    // answer offered for every stream (on_new_transceiver). webrtcbin sets this from the
    // transceiver it finds for the SSRC, which it does not always find yet when the first
    // packet of a stream arrives.
    g_object_set(jitterbuffer, "do-retransmission", TRUE, nullptr);
    GstPad* sink = gst_element_get_static_pad(jitterbuffer, "sink");
    add_capture_probe<RtpCapture::Direction::received>(sink, self);
    // When RTP last arrived, for `not_flowing` (State::check_flow_locked).
    gst_pad_add_probe(
        sink, static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
        [](GstPad*, GstPadProbeInfo*, gpointer weak) -> GstPadProbeReturn {
            if (auto state = lock_state(weak)) state->last_rtp_ns.store(arrival_now().ns);
            return GST_PAD_PROBE_OK;
        },
        weak_of(self), destroy_weak);
    gst_object_unref(sink);
}

// RTCP is taken at rtpbin's own inputs and outputs: every compound packet the SFU sends
// (sender reports: the importer's lip sync, RFC 3550 section 6.4.1) and every one we send
// (receiver reports, NACKs and PLIs, RFC 4585 section 6).
void on_rtpbin_pad_added(GstElement*, GstPad* pad, gpointer data) {
    auto self = lock_state(data);
    if (!self) return;
    gchar* name = gst_pad_get_name(pad);
    const bool in = g_str_has_prefix(name, "recv_rtcp_sink_");
    const bool out = g_str_has_prefix(name, "send_rtcp_src_");
    g_free(name);
    if (in) add_capture_probe<RtpCapture::Direction::received>(pad, self);
    if (out) add_capture_probe<RtpCapture::Direction::sent>(pad, self);
}

// With addresses named, libnice gathers on those alone (nice_agent_add_local_address
// replaces its own interface discovery); set before any gathering starts.
Result<void> restrict_ice_addresses(GstElement* webrtc, const std::vector<std::string>& addresses) {
    if (addresses.empty()) return {};
    GstObject* ice = nullptr;
    g_object_get(webrtc, "ice-agent", &ice, nullptr);
    if (!ice) return fail(Errc::internal, "webrtcbin has no ice-agent (GStreamer older than 1.22)");
    for (const auto& address : addresses) {
        gboolean added = FALSE;
        g_signal_emit_by_name(ice, "add-local-ip-address", address.c_str(), &added);
        if (!added) {
            gst_object_unref(ice);
            return fail(Errc::invalid_argument, fmt::format("ICE address {} is not usable", address));
        }
    }
    gst_object_unref(ice);
    return {};
}

GstBusSyncReply on_bus(GstBus*, GstMessage* message, gpointer data) {
    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
        GError* error = nullptr;
        gst_message_parse_error(message, &error, nullptr);
        const std::string text = fmt::format("{}: {}", GST_OBJECT_NAME(GST_MESSAGE_SRC(message)), error ? error->message : "error");
        if (error) g_error_free(error);
        if (auto self = lock_state(data)) {
            log::get("bbb")->error("{}: {}", self->webm_path.filename().string(), text);
            std::lock_guard lock(self->mutex);
            self->fail_locked(text);
        }
    }
    return GST_BUS_DROP;
}

} // namespace

Result<std::unique_ptr<MediaSession>> WebrtcSession::create(const std::string& offer_sdp, const fs::path& webm_path,
                                                            const WebrtcOptions& options, MediaCallbacks callbacks) {
    GstSDPMessage* sdp = nullptr;
    gst_sdp_message_new(&sdp);
    if (gst_sdp_message_parse_buffer(reinterpret_cast<const guint8*>(offer_sdp.data()),
                                     static_cast<guint>(offer_sdp.size()), sdp) != GST_SDP_OK) {
        gst_sdp_message_free(sdp);
        return fail(Errc::malformed_input, "the offer does not parse as SDP");
    }
    auto kinds = check_offer(sdp);
    if (!kinds) {
        gst_sdp_message_free(sdp);
        return std::unexpected(kinds.error());
    }
    auto state = std::make_shared<State>();
    state->callbacks = std::move(callbacks);
    state->webm_path = webm_path;
    state->options = options;
    state->kinds = *kinds;
    state->pipeline = gst_pipeline_new(nullptr);
    gst_object_ref_sink(state->pipeline);
    state->webrtc = gst_element_factory_make("webrtcbin", nullptr);
    // mediasoup bundles everything on one transport (BUNDLE + rtcp-mux in its offers).
    gst_util_set_object_arg(G_OBJECT(state->webrtc), "bundle-policy", "max-bundle");
    gst_bin_add(GST_BIN(state->pipeline), state->webrtc);
    if (auto r = restrict_ice_addresses(state->webrtc, options.ice_addresses); !r) {
        gst_sdp_message_free(sdp);
        return std::unexpected(r.error());
    }
    state->capture = std::make_unique<RtpCapture>(capture_path_for(webm_path));
    // webrtcbin's rtpbin is named "rtpbin" (gstwebrtcbin.c, _create_rtpbin); its pads
    // appear as the transports connect, after set-remote-description.
    GstElement* rtpbin = gst_bin_get_by_name(GST_BIN(state->webrtc), "rtpbin");
    if (!rtpbin) {
        gst_sdp_message_free(sdp);
        return fail(Errc::internal, "webrtcbin has no child named rtpbin (GStreamer changed)");
    }
    g_signal_connect_data(rtpbin, "new-jitterbuffer", G_CALLBACK(on_new_jitterbuffer), weak_of(state),
                          destroy_weak_closure, GConnectFlags{});
    g_signal_connect_data(rtpbin, "pad-added", G_CALLBACK(on_rtpbin_pad_added), weak_of(state), destroy_weak_closure,
                          GConnectFlags{});
    gst_object_unref(rtpbin);
    g_signal_connect(state->webrtc, "on-new-transceiver", G_CALLBACK(on_new_transceiver), nullptr);
    g_signal_connect_data(state->webrtc, "pad-added", G_CALLBACK(on_pad_added), weak_of(state), destroy_weak_closure, GConnectFlags{});
    g_signal_connect_data(state->webrtc, "notify::ice-gathering-state", G_CALLBACK(on_gathering), weak_of(state),
                          destroy_weak_closure, GConnectFlags{});
    g_signal_connect_data(state->webrtc, "notify::connection-state", G_CALLBACK(on_connection_state), weak_of(state),
                          destroy_weak_closure, GConnectFlags{});
    g_signal_connect_data(state->pipeline, "deep-element-added", G_CALLBACK(on_deep_element_added), weak_of(state),
                          destroy_weak_closure, GConnectFlags{});
    GstBus* bus = gst_element_get_bus(state->pipeline);
    gst_bus_set_sync_handler(bus, on_bus, weak_of(state), destroy_weak);
    gst_object_unref(bus);
    if (gst_element_set_state(state->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        gst_sdp_message_free(sdp);
        return fail(Errc::internal, "the webrtcbin pipeline did not start");
    }
    GstWebRTCSessionDescription* offer = gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, sdp);
    GstPromise* promise = gst_promise_new_with_change_func(on_remote_set, weak_of(state), destroy_weak);
    g_signal_emit_by_name(state->webrtc, "set-remote-description", offer, promise);
    gst_webrtc_session_description_free(offer);
    state->ticker = std::thread([raw = state.get()] { raw->run_ticker(); });
    return std::unique_ptr<MediaSession>(new WebrtcSession(std::move(state)));
}

WebrtcSession::~WebrtcSession() { stop(); }

std::int64_t WebrtcSession::stop() {
    State& s = *state_;
    std::vector<GstPad*> to_end;
    {
        std::lock_guard lock(s.mutex);
        if (s.stopping) return s.first_ms.load() < 0 ? 0 : s.last_ms.load() - s.first_ms.load();
        s.stopping = true;
        s.wake.notify_all();
        // EOS into every muxer input makes webmmux write cues, duration and the seek head
        // (it seeks back through filesink), which is what BBB's archive step needs.
        for (GstPad* pad : {s.mux_video, s.mux_audio})
            if (pad) to_end.push_back(GST_PAD(gst_object_ref(pad)));
    }
    if (s.ticker.joinable()) s.ticker.join();
    for (GstPad* pad : to_end) {
        // Sent from the upstream side of the link so it is serialised with the data.
        GstPad* peer = gst_pad_get_peer(pad);
        if (peer) {
            GstElement* queue = gst_pad_get_parent_element(peer);
            GstPad* queue_sink = gst_element_get_static_pad(queue, "sink");
            gst_pad_send_event(queue_sink, gst_event_new_eos());
            gst_object_unref(queue_sink);
            gst_object_unref(queue);
            gst_object_unref(peer);
        } else {
            gst_pad_send_event(pad, gst_event_new_eos());
        }
        gst_object_unref(pad);
    }
    if (!to_end.empty()) {
        std::unique_lock lock(s.mutex);
        if (!s.wake.wait_for(lock, finalise_timeout, [&] { return s.finalised; }))
            log::get("bbb")->warn("{}: the muxer did not finish within 5 s; the WebM may lack cues",
                                  s.webm_path.string());
    }
    gst_element_set_state(s.pipeline, GST_STATE_NULL);
    // After the pipeline stopped: nothing records any more; `.pcap.tmp` becomes `.pcap`.
    if (auto r = s.capture->close(); !r) log::get("bbb")->error("{}", r.error().describe());
    const std::int64_t first = s.first_ms.load();
    return first < 0 ? 0 : s.last_ms.load() - first;
}

} // namespace tafel::bbb
