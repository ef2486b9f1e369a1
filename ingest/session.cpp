#include "ingest/session.hpp"

#include "core/ids.hpp"
#include "core/log.hpp"
#include "ingest/disk_writer.hpp"
#include "ingest/media_thread.hpp"
#include "ingest/pdf_pages.hpp"
#include "ingest/port_pool.hpp"
#include "ingest/catalog_row.hpp"
#include "storage/catalog.hpp"
#include "storage/layout.hpp"
#include "storage/submission.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>

namespace tafel::ingest {

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view bytes) {
    auto tmp = path;
    tmp += ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) return fail(Errc::io, fmt::format("cannot create {}", tmp.string()));
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.flush();
        if (!out) return fail(Errc::io, fmt::format("cannot write {} ({} bytes)", tmp.string(), bytes.size()));
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) return fail(Errc::io, fmt::format("rename {}: {}", tmp.string(), ec.message()));
    return {};
}

} // namespace

Session::Session(SessionContext context, RecordingInfo info, std::filesystem::path dir, EventLog events)
    : context_(std::move(context)), info_(std::move(info)), dir_(std::move(dir)), events_(std::move(events)) {}

Session::~Session() {
    for (auto& s : streams_) {
        if (s.receiver) release_ports(*s.receiver);
    }
}

void Session::release_ports(const UdpReceiver& receiver) {
    context_.ports.release(receiver.port());
    if (receiver.rtcp_port() != 0) context_.ports.release(receiver.rtcp_port());
}

Result<std::unique_ptr<Session>> Session::create(SessionContext context, SessionSetup setup, WallTime now) {
    RecordingInfo info;
    info.id = recording_id(setup.meeting.id, now.utc_us / 1000);
    info.meeting = std::move(setup.meeting);
    info.participants = std::move(setup.participants);
    info.policy = setup.policy.value_or(ConsentPolicy::consenting);
    info.started = now;
    info.anchor = ClockAnchor::now();
    const auto dir = context.layout.raw_dir(info.id);
    std::error_code ec;
    if (std::filesystem::exists(dir, ec)) {
        return fail(Errc::already_exists, fmt::format("recording {} exists already ({})", info.id, dir.string()));
    }
    for (const char* sub : {"tracks", "slides"}) {
        std::filesystem::create_directories(dir / sub, ec);
        if (ec) return fail(Errc::io, fmt::format("create {}: {}", (dir / sub).string(), ec.message()));
    }
    if (auto r = write_recording_info(dir, info); !r) return std::unexpected(r.error());
    auto events = EventLog::open(dir);
    if (!events) return std::unexpected(events.error());

    if (auto r = context.catalog.put_recording(catalog_row(info, storage::RecordingState::recording)); !r)
        return std::unexpected(r.error());
    // Issue 9 item 4: who created what, and under which consent policy (the catalog's record
    // of it; recording.json is what a re-render reads). Details hold no names.
    storage::AuditEntry created;
    created.actor = "recorder";
    created.action = "created";
    created.recording_id = info.id;
    created.details = nlohmann::json{{"meeting_id", info.meeting.id},
                                     {"context", info.meeting.context},
                                     {"consent_policy", to_string(info.policy)},
                                     {"participants", info.participants.size()}}
                          .dump();
    if (auto r = context.catalog.append_audit(created); !r && r.error().code != Errc::unsupported)
        return std::unexpected(r.error());

    log::get("ingest")->info("recording {} started: meeting {} \"{}\" in {}, consent policy {}", info.id,
                             info.meeting.id, info.meeting.name, dir.string(), to_string(info.policy));
    return std::make_unique<Session>(std::move(context), std::move(info), dir, std::move(*events));
}

Result<void> Session::save() { return write_recording_info(dir_, info_); }

Result<StreamStatus> Session::add_stream(const StreamRequest& request) {
    if (stopped()) return fail(Errc::already_exists, fmt::format("recording {} is stopped", info_.id));
    const Participant* who = info_.participant(request.participant);
    if (!who) {
        return fail(Errc::invalid_argument,
                    fmt::format("field \"participant\": \"{}\" is not a participant of the session", request.participant));
    }
    const std::string codec = lower(request.codec);
    KeyframeCodec keyframe_codec = KeyframeCodec::none;
    std::string codec_name;
    if (codec == "vp8") {
        codec_name = "VP8";
        keyframe_codec = KeyframeCodec::vp8;
    } else if (codec == "vp9") {
        codec_name = "VP9";
        keyframe_codec = KeyframeCodec::vp9;
    } else if (codec == "h264" || codec == "h.264") {
        codec_name = "H264";
        keyframe_codec = KeyframeCodec::h264;
    } else if (codec == "opus") {
        codec_name = "opus";
    } else {
        return fail(Errc::invalid_argument,
                    fmt::format("field \"codec\": \"{}\" is not VP8, VP9, H264 or opus", request.codec));
    }
    const bool video_codec = codec_name != "opus";
    if (video_codec != (request.kind == MediaKind::video)) {
        return fail(Errc::invalid_argument,
                    fmt::format("field \"kind\": {} does not carry {}", to_string(request.kind), request.codec));
    }
    TrackInfo track;
    track.id = fmt::format("t{}", next_track_);
    track.kind = request.kind;
    track.codec = codec_name;
    track.payload_type = request.payload_type;
    track.clock_rate = request.clock_rate;
    track.channels = request.kind == MediaKind::audio ? std::max(request.channels, 1) : 0;
    track.participant = request.participant;
    track.fmtp = request.fmtp;
    track.ssrc = request.ssrc;
    track.file = fmt::format("tracks/{}.pcap", track.id);
    const bool recorded = who->recordable(info_.policy);

    std::unique_ptr<UdpReceiver> receiver;
    Error bind_error{Errc::network, "no port tried"};
    const auto try_bind = [&](std::uint16_t candidate) {
        auto r = UdpReceiver::create(context_.media_thread(), context_.listen_address, candidate,
                                     fmt::format("recording {} track {}", info_.id, track.id),
                                     ReceiverOptions{track.clock_rate, video_codec, keyframe_codec, request.fir},
                                     request.rtcp_mux ? std::uint16_t{0} : static_cast<std::uint16_t>(candidate + 1));
        if (!r) {
            bind_error = r.error();
            return false;
        }
        receiver = std::move(*r);
        return true;
    };
    // Without rtcp-mux the sender sends RTCP to the RTP port + 1 (RFC 3550 11): an even/odd pair.
    auto port = request.rtcp_mux ? context_.ports.allocate(try_bind) : context_.ports.allocate_pair(try_bind);
    if (!port) return fail(port.error().code, fmt::format("{} (last error: {})", port.error().message, bind_error.message));
    std::shared_ptr<TrackFile> file;
    if (recorded) {
        auto w = PcapWriter::create(dir_ / track.file, info_.anchor);
        if (!w) {
            release_ports(*receiver);
            return std::unexpected(w.error());
        }
        file = std::make_shared<TrackFile>(std::move(*w), info_.anchor,
                                           fmt::format("recording {} track {}", info_.id, track.id));
    }
    track.port = *port;
    ++next_track_;
    if (paused_) receiver->set_paused(true);
    receiver->start(std::move(file));
    if (recorded) {
        info_.tracks.push_back(track);
        if (auto r = save(); !r) return std::unexpected(r.error());
    } else {
        log::get("ingest")->info("recording {}: {} of participant {} is not recorded (role {}, consent {}, policy {})",
                                 info_.id, track.id, who->id, to_string(who->role), to_string(who->consent),
                                 to_string(info_.policy));
    }
    streams_.push_back(Stream{track.id, recorded, std::move(receiver), track});
    return StreamStatus{track.id, track.port, streams_.back().receiver->rtcp_port(), recorded,
                        streams_.back().receiver->stats()};
}

Result<Deck> Session::add_deck(const std::string& name, std::string_view pdf, WallTime now) {
    if (stopped()) return fail(Errc::already_exists, fmt::format("recording {} is stopped", info_.id));
    Deck deck;
    deck.id = fmt::format("d{}", info_.decks.size() + 1);
    deck.name = name;
    deck.file = fmt::format("slides/{}.pdf", deck.id);
    deck.pages = count_pdf_pages(pdf);
    if (auto r = write_file_atomically(dir_ / deck.file, pdf); !r) return std::unexpected(r.error());
    info_.decks.push_back(deck);
    if (auto r = save(); !r) return std::unexpected(r.error());
    const nlohmann::json event = {
        {"type", "deck_added"}, {"t_us", now.utc_us}, {"deck", deck.id}, {"name", deck.name}, {"pages", deck.pages}};
    if (auto r = events_.append(event.dump(), now); !r) return std::unexpected(r.error());
    return deck;
}

Result<std::size_t> Session::add_events(const std::vector<std::string>& events, WallTime now) {
    if (stopped()) return fail(Errc::already_exists, fmt::format("recording {} is stopped", info_.id));
    bool participants_changed = false;
    for (const auto& original : events) {
        auto j = nlohmann::json::parse(original, nullptr, false);
        std::string text = original;
        const std::string type =
            j.is_object() && j.contains("type") && j["type"].is_string() ? j["type"].get<std::string>() : "";
        if (type == "consent_changed") {
            // Applied before it is logged, so that a rejected change leaves no trace.
            const Participant* before = info_.participant(j.value("participant", ""));
            const Consent was = before != nullptr ? before->consent : Consent::unknown;
            auto changed = change_consent(j.value("participant", ""), j.value("consent", ""));
            if (!changed) return std::unexpected(changed.error());
            participants_changed = participants_changed || *changed;
            j["was"] = to_string(was);
            text = j.dump();
        } else if (type == "chat") {
            // Privacy by design (issue 9 item 2): a line whose sender may not be recorded at
            // all right now is never written, not even to raw/.
            const Participant* from = j.contains("participant") && j["participant"].is_string()
                                          ? info_.participant(j["participant"].get<std::string>())
                                          : nullptr;
            const Exposure e = from != nullptr ? exposure(from->role, from->consent, info_.policy)
                                               : exposure(Role::viewer, Consent::unknown, info_.policy);
            if (e == Exposure::absent) {
                if (chat_dropped_++ == 0)
                    log::get("ingest")->info("recording {}: chat of participants who may not be recorded is not stored",
                                             info_.id);
                continue;
            }
        }
        if (auto r = events_.append(text, now); !r) return std::unexpected(r.error());
        if (!j.is_object()) continue;
        if (type != "participant_joined") continue;
        const std::string pid = j.value("participant", "");
        if (pid.empty() || info_.participant(pid)) continue;
        Participant p;
        p.id = pid;
        p.name = j.value("name", "");
        p.role = j.value("role", "") == "moderator" ? Role::moderator : Role::viewer;
        const std::string consent = j.value("consent", "unknown");
        p.consent = consent == "granted" ? Consent::granted : consent == "denied" ? Consent::denied : Consent::unknown;
        info_.participants.push_back(std::move(p));
        participants_changed = true;
    }
    if (participants_changed) {
        if (auto r = save(); !r) return std::unexpected(r.error());
    }
    return events.size();
}

Result<bool> Session::change_consent(const std::string& participant, const std::string& consent) {
    Participant* who = nullptr;
    for (auto& p : info_.participants) {
        if (p.id == participant) who = &p;
    }
    if (!who) {
        return fail(Errc::invalid_argument,
                    fmt::format("consent_changed: \"participant\": \"{}\" is not a participant of recording {}", participant,
                                info_.id));
    }
    if (consent != "granted" && consent != "denied" && consent != "unknown") {
        return fail(Errc::invalid_argument,
                    fmt::format("consent_changed: \"consent\" must be granted, denied or unknown (got \"{}\")", consent));
    }
    who->consent = consent == "granted" ? Consent::granted : consent == "denied" ? Consent::denied : Consent::unknown;
    const bool recordable = who->recordable(info_.policy);
    for (auto& s : streams_) {
        if (s.info.participant != participant || s.recorded == recordable) continue;
        if (recordable && !s.receiver->has_file()) {
            // First consent for a stream that was never written: its file starts now.
            auto w = PcapWriter::create(dir_ / s.info.file, info_.anchor);
            if (!w) return std::unexpected(w.error());
            s.receiver->attach_file(std::make_shared<TrackFile>(
                std::move(*w), info_.anchor, fmt::format("recording {} track {}", info_.id, s.track)));
            info_.tracks.push_back(s.info);
        }
        s.receiver->set_recordable(recordable);
        s.recorded = recordable;
        log::get("ingest")->info("recording {}: {} of participant {} is {} from now on (consent {})", info_.id,
                                 s.track, participant, recordable ? "recorded" : "no longer recorded", consent);
    }
    return true;
}

Result<void> Session::pause(WallTime now) {
    if (stopped()) return fail(Errc::already_exists, fmt::format("recording {} is stopped", info_.id));
    if (paused_) return fail(Errc::already_exists, fmt::format("recording {} is paused already", info_.id));
    // Media stops first, then the event: nothing after the logged instant is written.
    for (auto& s : streams_) s.receiver->set_paused(true);
    paused_ = true;
    const nlohmann::json event = {{"type", "recording_paused"}, {"t_us", now.utc_us}};
    if (auto r = events_.append(event.dump(), now); !r) return std::unexpected(r.error());
    log::get("ingest")->info("recording {} paused", info_.id);
    return {};
}

Result<void> Session::resume(WallTime now) {
    if (stopped()) return fail(Errc::already_exists, fmt::format("recording {} is stopped", info_.id));
    if (!paused_) return fail(Errc::already_exists, fmt::format("recording {} is not paused", info_.id));
    const nlohmann::json event = {{"type", "recording_resumed"}, {"t_us", now.utc_us}};
    if (auto r = events_.append(event.dump(), now); !r) return std::unexpected(r.error());
    for (auto& s : streams_) s.receiver->set_paused(false);
    paused_ = false;
    log::get("ingest")->info("recording {} resumed", info_.id);
    return {};
}

Result<void> Session::stop(WallTime now) {
    if (stopped()) return fail(Errc::already_exists, fmt::format("recording {} is stopped already", info_.id));
    // Finalise everything even if one step fails; report the first failure.
    std::optional<Error> first;
    auto keep = [&](Result<void> r) {
        if (!r && !first) first = r.error();
    };
    // Every stream's close is queued first and then awaited: the disk writer closes them
    // in one go instead of one round trip per stream.
    std::vector<std::future<Result<void>>> closing;
    for (auto& s : streams_) closing.push_back(s.receiver->close_async());
    for (auto& c : closing) keep(c.get());
    for (auto& s : streams_) release_ports(*s.receiver);
    keep(events_.close());
    info_.stopped = now;
    keep(save());
    keep(context_.catalog.set_recording_state(info_.id, storage::RecordingState::stopped));
    // The render and the audio-only preview together (progressive publishing): the preview
    // must not wait for the render to be claimed (storage/submission.hpp).
    if (auto jobs = storage::submit_recording(context_.catalog, info_.id); !jobs) keep(std::unexpected(jobs.error()));
    log::get("ingest")->info("recording {} stopped after {} ms", info_.id, (now.utc_us - info_.started.utc_us) / 1000);
    if (first) return std::unexpected(*first);
    return {};
}

void Session::flush() {
    if (stopped()) return;
    if (auto r = events_.sync(); !r) log::get("ingest")->warn("recording {}: {}", info_.id, r.error().describe());
}

std::string_view Session::state_name() const {
    if (stopped()) return "stopped";
    for (const auto& s : streams_) {
        if (s.receiver->stats().write_errors > 0) return "degraded";
    }
    return "recording";
}

std::vector<StreamStatus> Session::streams() const {
    std::vector<StreamStatus> out;
    for (const auto& s : streams_) {
        out.push_back(
            StreamStatus{s.track, s.receiver->port(), s.receiver->rtcp_port(), s.recorded, s.receiver->stats()});
    }
    return out;
}

} // namespace tafel::ingest
