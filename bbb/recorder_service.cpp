#include "bbb/recorder_service.hpp"

#include "bbb/sdp_envelope.hpp"
#include "core/log.hpp"

#include <fmt/format.h>

#include <chrono>
#include <random>

namespace tafel::bbb {

namespace fs = std::filesystem;

namespace {

std::int64_t now_utc_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The file name must stay under the recordings directory: BBB sends relative names like
// recordings/<meeting>/medium-<user>-<ms>.webm; an absolute one or a `..` is refused.
Result<fs::path> resolve(const fs::path& dir, const std::string& file_name) {
    const fs::path relative(file_name);
    if (relative.is_absolute()) return fail(Errc::invalid_argument, fmt::format("fileName {} is absolute", file_name));
    for (const auto& part : relative)
        if (part == "..") return fail(Errc::invalid_argument, fmt::format("fileName {} leaves the recordings directory", file_name));
    if (relative.extension() != ".webm")
        return fail(Errc::invalid_argument, fmt::format("fileName {} does not end in .webm", file_name));
    return (dir / relative).lexically_normal();
}

} // namespace

std::string random_uuid() {
    std::random_device rd;
    std::array<std::uint8_t, 16> b{};
    for (auto& byte : b) byte = static_cast<std::uint8_t>(rd());
    b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40); // version 4
    b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80); // variant 10xx
    return fmt::format("{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
                       b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                       b[15]);
}

struct RecorderService::Session {
    std::uint64_t generation = 0;
    std::string file_name; // absolute
    std::string metadata_json;
    bool answered = false;
    bool flowing = false;
    std::unique_ptr<MediaSession> media;
};

RecorderService::RecorderService(ServiceOptions options, MediaEngine& engine, Publish publish, Post post)
    : options_(std::move(options)), engine_(engine), publish_(std::move(publish)), post_(std::move(post)),
      instance_id_(random_uuid()), alive_(std::make_shared<bool>(true)) {}

RecorderService::~RecorderService() {
    *alive_ = false;
    for (auto& [id, session] : sessions_) session->media->stop();
}

void RecorderService::announce() {
    publish_(to_json(RecorderStatus{options_.app_version, instance_id_, now_utc_us() / 1000}));
}

void RecorderService::on_message(const std::string& payload) {
    auto message = parse_inbound(payload);
    if (!message) {
        log::get("bbb")->warn("dropped a message from Redis: {} ({} bytes)", message.error().message, payload.size());
        return;
    }
    std::visit(
        [this](const auto& m) {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, StartRecording>) {
                start(m);
            } else if constexpr (std::is_same_v<T, StopRecording>) {
                // An unknown session gets no reply: that is what the SFU expects.
                if (sessions_.contains(m.session_id)) stop(m.session_id, "stopped");
                else log::get("bbb")->info("stopRecording for unknown session {}: ignored", m.session_id);
            } else if constexpr (std::is_same_v<T, GetRecorderStatus>) {
                announce();
            } else if constexpr (std::is_same_v<T, GetRecordings>) {
                GetRecordingsResponse response{m.request_id_json, {}};
                for (const auto& [id, session] : sessions_) response.recordings.push_back({id, session->file_name});
                publish_(to_json(response));
            } else {
                log::get("bbb")->debug("ignored message id {}", m.id);
            }
        },
        *message);
}

void RecorderService::reply_failed(const StartRecording& m, const std::string& file_name, const std::string& error) {
    log::get("bbb")->warn("session {}: startRecording failed: {}", m.session_id, error);
    StartRecordingResponse response;
    response.session_id = m.session_id;
    response.file_name = file_name;
    response.metadata_json = m.metadata_json;
    response.error = error;
    publish_(to_json(response));
}

void RecorderService::start(const StartRecording& m) {
    const std::string given = m.file_name.value_or("");
    if (sessions_.contains(m.session_id))
        return reply_failed(m, given, fmt::format("recording session {} already exists", m.session_id));
    if (!m.sdp) return reply_failed(m, given, "missing SDP: neither sdp nor adapterOptions.mediasoup.sdp given");
    if (given.empty()) return reply_failed(m, given, "missing fileName");
    auto path = resolve(options_.recordings_dir, given);
    if (!path) return reply_failed(m, given, path.error().message);
    const std::string absolute = path->string();
    std::error_code ec;
    if (fs::exists(*path, ec)) return reply_failed(m, absolute, fmt::format("file {} exists", absolute));
    for (const auto& [id, session] : sessions_)
        if (session->file_name == absolute)
            return reply_failed(m, absolute, fmt::format("file {} is being recorded by session {}", absolute, id));
    auto offer = decode_sdp_envelope(*m.sdp);
    if (!offer) return reply_failed(m, absolute, fmt::format("bad SDP: {}", offer.error().message));
    if (offer->type != "offer") return reply_failed(m, absolute, fmt::format("bad SDP: type is '{}', not 'offer'", offer->type));

    const std::uint64_t generation = next_generation_++;
    const std::string session_id = m.session_id;
    // Every media callback hops onto the service thread and checks that its session is still
    // the same one (a stop + restart under the same id must not get the old one's events).
    auto on_thread = [this, alive = alive_, session_id, generation](auto fn) {
        post_([this, alive, session_id, generation, fn = std::move(fn)]() mutable {
            if (!*alive) return;
            const auto it = sessions_.find(session_id);
            if (it == sessions_.end() || it->second->generation != generation) return;
            fn(*it->second);
        });
    };
    MediaCallbacks callbacks;
    callbacks.on_answer = [this, on_thread, session_id](Result<std::string> answer) {
        on_thread([this, session_id, answer = std::move(answer)](Session& s) {
            s.answered = true;
            StartRecordingResponse response;
            response.session_id = session_id;
            response.file_name = s.file_name;
            response.metadata_json = s.metadata_json;
            if (answer) {
                response.ok = true;
                response.sdp_envelope = encode_sdp_envelope({"answer", *answer});
                publish_(to_json(response));
                return;
            }
            response.error = answer.error().message;
            publish_(to_json(response));
            auto node = sessions_.extract(session_id);
            node.mapped()->media->stop();
        });
    };
    callbacks.on_flowing = [this, on_thread, session_id](std::int64_t utc_us, std::int64_t hr_ms) {
        on_thread([this, session_id, utc_us, hr_ms](Session& s) {
            if (s.flowing) return;
            s.flowing = true;
            publish_(to_json(RtpStatusChanged{session_id, true, utc_us, hr_ms}));
        });
    };
    callbacks.on_not_flowing = [this, on_thread, session_id](std::int64_t utc_us, std::int64_t hr_ms) {
        on_thread([this, session_id, utc_us, hr_ms](Session& s) {
            if (!s.flowing) return;
            s.flowing = false;
            log::get("bbb")->info("session {}: media stopped arriving", session_id);
            publish_(to_json(RtpStatusChanged{session_id, false, utc_us, hr_ms}));
        });
    };
    callbacks.on_failed = [this, on_thread, session_id](const Error& why) {
        on_thread([this, session_id, message = why.message](Session&) {
            log::get("bbb")->warn("session {}: media failed: {}", session_id, message);
            stop(session_id, "failed");
        });
    };
    callbacks.on_closed = [this, on_thread, session_id](const std::string& why) {
        on_thread([this, session_id, why](Session&) {
            log::get("bbb")->info("session {}: {}", session_id, why);
            stop(session_id, "closed");
        });
    };
    auto media = engine_.start(offer->sdp, *path, std::move(callbacks));
    if (!media) return reply_failed(m, absolute, fmt::format("bad SDP: {}", media.error().message));
    auto session = std::make_unique<Session>();
    session->generation = generation;
    session->file_name = absolute;
    session->metadata_json = m.metadata_json;
    session->media = std::move(*media);
    sessions_.emplace(m.session_id, std::move(session));
    log::get("bbb")->info("session {}: recording to {}", m.session_id, absolute);
}

void RecorderService::stop(const std::string& session_id, const char* reason) {
    auto node = sessions_.extract(session_id);
    if (node.empty()) return;
    const std::int64_t hr_ms = node.mapped()->media->stop();
    publish_(to_json(RecordingStopped{session_id, reason, now_utc_us(), hr_ms}));
    log::get("bbb")->info("session {}: stopped ({}), {} ms of media", session_id, reason, hr_ms);
}

void RecorderService::shutdown() {
    while (!sessions_.empty()) stop(sessions_.begin()->first, "application_shutdown");
}

} // namespace tafel::bbb
