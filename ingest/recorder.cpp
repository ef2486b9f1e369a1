#include "ingest/recorder.hpp"

#include "core/hmac.hpp"
#include "core/log.hpp"
#include "ingest/control_api.hpp"
#include "ingest/control_requests.hpp"
#include "ingest/disk_writer.hpp"
#include "ingest/media_thread.hpp"
#include "ingest/pdf_pages.hpp"
#include "ingest/port_pool.hpp"
#include "ingest/recorder_metrics.hpp"
#include "ingest/sdp_offer.hpp"
#include "ingest/session.hpp"
#include "ingest/session_recovery.hpp"
#include "storage/catalog.hpp"
#include "storage/layout.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <future>
#include <map>
#include <optional>
#include <thread>

#include <sys/statvfs.h>

namespace tafel::ingest {

namespace net = boost::asio;
using nlohmann::json;

namespace {

HttpResponse json_response(int status, const json& body) { return HttpResponse{status, body.dump()}; }

HttpResponse error_response(const Error& e) {
    int status = 500;
    switch (e.code) {
    case Errc::invalid_argument:
    case Errc::malformed_input:
    case Errc::unsupported: status = 400; break;
    case Errc::not_found: status = 404; break;
    case Errc::already_exists: status = 409; break;
    case Errc::no_space: status = 507; break;
    default: status = 500; break;
    }
    return json_response(status, {{"error", e.message}});
}

HttpResponse error_response(int status, const std::string& message) {
    return json_response(status, {{"error", message}});
}

// "/api/v1/sessions/<id>/<action>" → id and action ("" for the session itself).
struct Route {
    std::string id;
    std::string action;
};

std::optional<Route> session_route(const std::string& path) {
    constexpr std::string_view prefix = "/api/v1/sessions/";
    if (!path.starts_with(prefix)) return std::nullopt;
    const std::string rest = path.substr(prefix.size());
    const auto slash = rest.find('/');
    if (slash == std::string::npos) return Route{rest, ""};
    const std::string action = rest.substr(slash + 1);
    if (action.find('/') != std::string::npos) return std::nullopt;
    return Route{rest.substr(0, slash), action};
}

} // namespace

struct Recorder::Impl {
    Impl(RecorderOptions o, storage::Catalog& c, const storage::Layout& l, std::function<void(const std::string&)> cb)
        : options(std::move(o)), catalog(c), layout(l), on_stopped(std::move(cb)),
          ports(options.rtp_port_min, options.rtp_port_max), flush_timer(io),
          disk(static_cast<std::size_t>(options.io_threads)) {
        for (int i = 0; i < options.io_threads; ++i) {
            media.push_back(std::make_unique<MediaThread>(static_cast<std::size_t>(i), disk, options.sync_interval,
                                                          i == 0 ? &io : nullptr));
        }
    }

    // Declared first: destroyed last, after everything that holds sockets on it.
    net::io_context io;
    RecorderOptions options;
    storage::Catalog& catalog;
    const storage::Layout& layout;
    std::function<void(const std::string&)> on_stopped;
    PortPool ports;
    net::steady_timer flush_timer;
    std::unique_ptr<ControlApi> api;
    // Before the sessions: destroyed after them, whose sockets live on these threads.
    DiskWriter disk;
    std::vector<std::unique_ptr<MediaThread>> media;
    std::size_t next_media = 0;
    std::map<std::string, std::unique_ptr<Session>> sessions;
    std::thread thread;
    bool stopping = false;

    HttpResponse handle(const HttpRequest& req);
    HttpResponse create_session(const HttpRequest& req);
    HttpResponse session_request(Session& s, const std::string& action, const HttpRequest& req, const Target& t);
    HttpResponse stop_session(Session& s);
    HttpResponse sdp_offer(Session& s, const HttpRequest& req, const Target& t);
    json session_json(const Session& s) const;

    Result<void> finalise(Session& s) {
        auto r = s.stop(wall_now());
        if (on_stopped) on_stopped(s.id());
        return r;
    }

    // Issue 3, "Disk": a new session needs the floor free; running sessions keep writing
    // until the disk is really full (then they degrade, see DiskWriter).
    Result<void> check_disk_floor() const {
        if (options.disk_floor_bytes == 0) return {};
        const auto raw = layout.root() / "raw";
        struct statvfs fs {};
        if (::statvfs(raw.c_str(), &fs) != 0) {
            return fail(Errc::io, fmt::format("statvfs {}: {}", raw.string(), std::strerror(errno)));
        }
        const std::uint64_t free = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
        if (free >= options.disk_floor_bytes) return {};
        return fail(Errc::no_space, fmt::format("{} has {} MiB free, below the recorder's floor of {} MiB "
                                                "(disk_floor_mb): no new sessions until space is freed",
                                                raw.string(), free >> 20, options.disk_floor_bytes >> 20));
    }

    MediaThread& media_thread() { return *media[next_media++ % media.size()]; }

    void schedule_flush() {
        // events.jsonl only (the media threads hand the pcaps' records to the disk writer on
        // their own ticks). Fixed rate, not fixed delay.
        const auto now = std::chrono::steady_clock::now();
        const auto next = flush_timer.expiry() + options.sync_interval;
        flush_timer.expires_at(next > now ? next : now + options.sync_interval);
        flush_timer.async_wait([this](const boost::system::error_code& ec) {
            if (ec || stopping) return;
            for (auto& [id, s] : sessions) s->flush();
            schedule_flush();
        });
    }

    void shutdown() {   // on the io thread
        stopping = true;
        api->close();
        flush_timer.cancel();
        for (auto& [id, s] : sessions) {
            if (s->stopped()) continue;
            if (auto r = finalise(*s); !r) {
                log::get("ingest")->error("finalising recording {}: {}", id, r.error().describe());
            }
        }
        // From the io thread: thread 0 runs on it and must not wait for itself.
        for (auto& m : media) m->stop();
    }
};

HttpResponse Recorder::Impl::handle(const HttpRequest& req) {
    const Target target = parse_target(req.target);
    const bool open_endpoint = target.path == "/metrics" && req.method == "GET";
    if (!options.secret.empty() && !open_endpoint &&
        !signature_equal(req.signature, control_signature(options.secret, req.method, req.target, req.body))) {
        return error_response(401, fmt::format("{} {}: header {} is {}; it must be hex(HMAC-SHA256(secret, "
                                               "METHOD + \"\\n\" + path-with-query + \"\\n\" + body))",
                                               req.method, req.target, k_signature_header,
                                               req.signature.empty() ? "missing" : "wrong"));
    }
    if (target.path == "/metrics") {
        if (req.method != "GET") return error_response(405, fmt::format("{} {} is not allowed", req.method, target.path));
        std::vector<const Session*> all;
        for (const auto& [id, s] : sessions) all.push_back(s.get());
        return HttpResponse{200, prometheus_metrics(all), std::string(k_prometheus_content_type)};
    }
    if (stopping) return error_response(503, "the recorder is shutting down");
    if (target.path == "/api/v1/sessions") {
        if (req.method != "POST") return error_response(405, fmt::format("{} {} is not allowed", req.method, target.path));
        return create_session(req);
    }
    const auto route = session_route(target.path);
    if (!route) return error_response(404, fmt::format("no such endpoint: {}", target.path));
    const auto it = sessions.find(route->id);
    if (it == sessions.end()) return error_response(404, fmt::format("no session \"{}\"", route->id));
    return session_request(*it->second, route->action, req, target);
}

HttpResponse Recorder::Impl::create_session(const HttpRequest& req) {
    auto setup = parse_session_request(req.body);
    if (!setup) return error_response(setup.error());
    if (!setup->policy) setup->policy = options.consent_policies.for_context(setup->meeting.context);
    if (auto r = check_disk_floor(); !r) return error_response(r.error());
    auto session = Session::create(SessionContext{[this]() -> MediaThread& { return media_thread(); }, ports, catalog, layout, options.listen_address}, std::move(*setup),
                                   wall_now());
    if (!session) return error_response(session.error());
    const std::string id = (*session)->id();
    sessions.emplace(id, std::move(*session));
    return json_response(201, {{"id", id}});
}

HttpResponse Recorder::Impl::session_request(Session& s, const std::string& action, const HttpRequest& req,
                                             const Target& t) {
    const auto not_allowed = [&] {
        return error_response(405, fmt::format("{} {} is not allowed", req.method, t.path));
    };
    if (action.empty()) {
        if (req.method != "GET") return not_allowed();
        return json_response(200, session_json(s));
    }
    if (req.method != "POST") return not_allowed();
    if (action == "streams") {
        auto request = parse_stream_request(req.body);
        if (!request) return error_response(request.error());
        auto stream = s.add_stream(*request);
        if (!stream) return error_response(stream.error());
        json body = {{"track", stream->track}, {"port", stream->port}};
        if (stream->rtcp_port != 0) body["rtcp_port"] = stream->rtcp_port;
        if (!stream->recorded) body["recorded"] = false;
        return json_response(201, body);
    }
    if (action == "sdp") return sdp_offer(s, req, t);
    if (action == "pause" || action == "resume") {
        const auto r = action == "pause" ? s.pause(wall_now()) : s.resume(wall_now());
        if (!r) return error_response(r.error());
        return json_response(200, {{"id", s.id()}, {"state", s.state_name()}});
    }
    if (action == "decks") {
        const std::string name = t.param("name");
        if (name.empty()) return error_response(400, "query parameter \"name\" (the file name) is missing");
        if (!looks_like_pdf(req.body)) return error_response(400, "body is not a PDF (it does not start with %PDF-)");
        auto deck = s.add_deck(name, req.body, wall_now());
        if (!deck) return error_response(deck.error());
        return json_response(201, {{"deck", deck->id}, {"pages", deck->pages}});
    }
    if (action == "events") {
        auto events = parse_events_request(req.body);
        if (!events) return error_response(events.error());
        auto n = s.add_events(*events, wall_now());
        if (!n) return error_response(n.error());
        return json_response(202, {{"accepted", *n}});
    }
    if (action == "stop") return stop_session(s);
    return error_response(404, fmt::format("no such endpoint: {}", t.path));
}

// POST /api/v1/sessions/<id>/sdp?participant=<p> with an SDP offer: a stream per m= section
// the recorder takes, answered in SDP (ingest/sdp_offer.hpp).
HttpResponse Recorder::Impl::sdp_offer(Session& s, const HttpRequest& req, const Target& t) {
    const std::string participant = t.param("participant");
    if (participant.empty()) return error_response(400, "query parameter \"participant\" is missing");
    auto offer = parse_sdp_offer(req.body);
    if (!offer) return error_response(offer.error());
    std::vector<SdpAnswerMedia> answer;
    bool any = false;
    for (const auto& m : *offer) {
        SdpAnswerMedia a{&m, 0};
        if (m.payload_type) {
            StreamRequest r;
            r.kind = m.media == "audio" ? MediaKind::audio : MediaKind::video;
            r.codec = m.codec;
            r.payload_type = *m.payload_type;
            r.clock_rate = m.clock_rate;
            r.channels = m.channels;
            r.participant = participant;
            r.fmtp = m.fmtp;
            r.ssrc = m.ssrc;
            r.fir = m.fir;
            r.rtcp_mux = m.rtcp_mux; // without it RTCP goes to port + 1 (RFC 3550 11, RFC 3605)
            auto stream = s.add_stream(r);
            if (!stream) return error_response(stream.error());
            a.port = stream->port;
            a.rtcp_port = stream->rtcp_port;
            any = true;
        }
        answer.push_back(a);
    }
    if (!any) {
        return error_response(400, "no m= section of the offer carries VP8, VP9, H264 or opus with an a=rtpmap");
    }
    return HttpResponse{201, build_sdp_answer(options.listen_address, s.id(), answer), "application/sdp"};
}

HttpResponse Recorder::Impl::stop_session(Session& s) {
    if (s.stopped()) return error_response(409, fmt::format("session \"{}\" is stopped already", s.id()));
    if (auto r = finalise(s); !r) return error_response(r.error());
    return json_response(200, {{"id", s.id()}, {"state", "stopped"}});
}

json Recorder::Impl::session_json(const Session& s) const {
    json tracks = json::array();
    for (const auto& st : s.streams()) {
        json dropped = json::object();
        for (std::size_t i = 0; i < k_drop_reasons; ++i) {
            if (st.stats.dropped[i]) dropped[std::string(to_string(static_cast<DropReason>(i)))] = st.stats.dropped[i];
        }
        if (st.stats.not_recordable) dropped["not_recordable"] = st.stats.not_recordable;
        if (st.stats.write_errors) dropped["write_error"] = st.stats.write_errors;
        if (st.stats.paused) dropped["paused"] = st.stats.paused;
        tracks.push_back(
            {{"track", st.track},
             {"port", st.port},
             {"rtcp_port", st.rtcp_port},
             {"recorded", st.recorded},
             {"packets", st.stats.packets},
             {"bytes", st.stats.bytes},
             {"rtcp_packets", st.stats.rtcp_packets},
             {"lost", st.stats.rtp.lost()},
             {"reordered", st.stats.rtp.reordered()},
             {"duplicates", st.stats.rtp.duplicates()},
             {"jitter_us", st.stats.rtp.jitter_us()},
             {"plis_sent", st.stats.plis_sent},
             {"firs_sent", st.stats.firs_sent},
             {"synced_packets", st.stats.synced},
             {"dropped", st.stats.dropped_total() + st.stats.not_recordable + st.stats.write_errors + st.stats.paused},
             {"dropped_by_reason", std::move(dropped)}});
    }
    return {{"id", s.id()},
            {"state", s.state_name()},
            {"paused", s.paused()},
            {"consent_policy", to_string(s.info().policy)},
            {"tracks", std::move(tracks)}};
}

Recorder::Recorder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Recorder::~Recorder() { stop(); }

Result<std::unique_ptr<Recorder>> Recorder::create(RecorderOptions options, storage::Catalog& catalog,
                                                   const storage::Layout& layout,
                                                   std::function<void(const std::string&)> on_stopped) {
    if (options.sync_interval.count() <= 0) {
        return fail(Errc::invalid_argument,
                    fmt::format("sync interval of {} ms must be positive", options.sync_interval.count()));
    }
    if (options.io_threads < 1 || options.io_threads > 64) {
        return fail(Errc::invalid_argument, fmt::format("io_threads {} is not 1..64", options.io_threads));
    }
    if (options.rtp_port_min == 0 || options.rtp_port_min > options.rtp_port_max) {
        return fail(Errc::invalid_argument, fmt::format("RTP port range {}-{} is empty or starts at 0",
                                                        options.rtp_port_min, options.rtp_port_max));
    }
    std::error_code ec;
    std::filesystem::create_directories(layout.root() / "raw", ec);
    if (ec) return fail(Errc::io, fmt::format("create {}: {}", (layout.root() / "raw").string(), ec.message()));
    auto impl = std::make_unique<Impl>(std::move(options), catalog, layout, std::move(on_stopped));
    Impl* self = impl.get();
    auto api = ControlApi::create(
        impl->io, impl->options.listen_address, impl->options.control_port,
        [self](const HttpRequest& req) { return self->handle(req); }, impl->options.body_limit);
    if (!api) return std::unexpected(api.error());
    impl->api = std::move(*api);
    return std::make_unique<Recorder>(std::move(impl));
}

Result<void> Recorder::start() {
    if (impl_->thread.joinable()) return fail(Errc::invalid_argument, "the recorder is running already");
    if (impl_->stopping) return fail(Errc::invalid_argument, "the recorder was stopped; create a new one");
    if (impl_->options.recover_on_start) {
        for (const auto& r : recover_sessions(impl_->catalog, impl_->layout)) {
            if (impl_->on_stopped) impl_->on_stopped(r.id);
        }
    }
    impl_->api->start();
    impl_->schedule_flush();
    impl_->disk.start();
    for (auto& m : impl_->media) m->start();
    impl_->thread = std::thread([this] {
        for (;;) {
            try {
                run_in_cycles(impl_->io); // media thread 0 and the control API
                return;
            } catch (const std::exception& e) {
                // A bug escaped a handler: log it and keep serving the other sessions.
                log::get("ingest")->error("recorder thread: {}", e.what());
            }
        }
    });
    log::get("ingest")->info("recorder listening on {}:{} (RTP ports {}-{})", impl_->options.listen_address,
                             control_port(), impl_->options.rtp_port_min, impl_->options.rtp_port_max);
    return {};
}

void Recorder::stop() {
    if (!impl_) return;
    if (impl_->thread.joinable()) {
        std::promise<void> done;
        auto finished = done.get_future();
        net::post(impl_->io, [this, &done] {
            impl_->shutdown();
            done.set_value();
        });
        finished.wait();
        impl_->io.stop();
        impl_->thread.join();
        impl_->disk.stop();
    } else if (!impl_->stopping) {
        impl_->shutdown();   // never started: nothing runs concurrently
    }
}

std::uint16_t Recorder::control_port() const { return impl_->api->port(); }

} // namespace tafel::ingest
