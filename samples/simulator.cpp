#include "samples/simulator.hpp"

#include "core/log.hpp"
#include "core/time.hpp"
#include "samples/control_client.hpp"
#include "samples/deck.hpp"
#include "samples/rtp_sender.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>
#include <thread>

namespace tafel::samples {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int k_deck_pages = 6;
constexpr std::string_view k_deck_name = "Brüche.pdf";
// How often the wait between events looks at the senders' bus and the stop token.
constexpr auto k_poll = std::chrono::milliseconds(100);

Result<std::string> read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(Errc::io, fmt::format("read {}: cannot open", path.string()));
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return fail(Errc::io, fmt::format("read {}: read failed", path.string()));
    return bytes;
}

// Sleeps until `deadline` in short steps, returning early on a sender error or a stop request.
Result<bool> wait_until(Clock::time_point deadline, RtpSender& sender, const std::stop_token& stop) {
    while (Clock::now() < deadline) {
        if (stop.stop_requested()) return false;
        if (auto ok = sender.check(); !ok) return std::unexpected(ok.error());
        std::this_thread::sleep_until(std::min(deadline, Clock::now() + k_poll));
    }
    return true;
}

class Run {
public:
    Run(const SimulatorOptions& options, std::function<void(std::string_view)> on_status, std::stop_token stop)
        : options_(options), on_status_(std::move(on_status)), stop_(std::move(stop)) {}

    Result<SimulatedLesson> go();

private:
    void status(std::string line) {
        // Debug only: callers print the status lines themselves (on_status).
        log::get("samples")->debug("simulate {}: {}", lesson_.recording_id, line);
        if (on_status_) on_status_(line);
    }
    Result<void> setup(ControlClient& client);
    Result<void> play(ControlClient& client, const LessonScript& script, RtpSender& sender);
    Result<void> post(ControlClient& client, std::vector<ScriptedEvent> batch);

    const SimulatorOptions& options_;
    std::function<void(std::string_view)> on_status_;
    std::stop_token stop_;
    SimulatedLesson lesson_;
};

Result<void> Run::setup(ControlClient& client) {
    const struct {
        const char* kind;
        const char* codec;
        int pt, clock_rate, channels, tone_hz;
        const char* participant;
    } streams[] = {
        {"video", "VP8", k_vp8_payload_type, k_vp8_clock_rate, 0, 0, "teacher"},
        {"audio", "opus", k_opus_payload_type, k_opus_clock_rate, k_opus_channels, 440, "teacher"},
        {"audio", "opus", k_opus_payload_type, k_opus_clock_rate, k_opus_channels, 660, "pupil1"},
    };
    for (const auto& s : streams) {
        auto grant = client.add_stream(lesson_.recording_id,
                                       StreamRequest{s.kind, s.codec, s.pt, s.clock_rate, s.channels, s.participant});
        if (!grant) return std::unexpected(grant.error());
        lesson_.tracks.push_back({grant->track, grant->port, s.kind, s.codec, s.participant, s.tone_hz});
        status(fmt::format("stream {} ({} {} of {}) → UDP port {}", grant->track, s.kind, s.codec, s.participant,
                           grant->port));
    }

    std::filesystem::path dir = options_.work_dir.empty() ? std::filesystem::temp_directory_path() / "tafel-simulator"
                                                          : options_.work_dir;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return fail(Errc::io, fmt::format("create {}: {}", dir.string(), ec.message()));
    const auto pdf = dir / fmt::format("{}-deck.pdf", lesson_.recording_id);
    if (auto ok = write_deck(pdf, k_deck_pages); !ok) return ok;
    auto bytes = read_file(pdf);
    if (!bytes) return std::unexpected(bytes.error());
    auto deck = client.upload_deck(lesson_.recording_id, k_deck_name, *bytes);
    if (!deck) return std::unexpected(deck.error());
    lesson_.deck = deck->deck;
    lesson_.deck_pages = deck->pages;
    status(fmt::format("deck {} ({}, {} pages, {} bytes)", deck->deck, k_deck_name, deck->pages, bytes->size()));
    return {};
}

Result<void> Run::post(ControlClient& client, std::vector<ScriptedEvent> batch) {
    const std::int64_t now_us = wall_now().utc_us;
    for (auto& e : batch) {
        e.t_us = now_us;
        if (e.kind == EventKind::slide) e.deck = lesson_.deck;
    }
    if (auto accepted = client.post_events(lesson_.recording_id, batch); !accepted) {
        return std::unexpected(accepted.error());
    }
    for (const auto& e : batch) {
        switch (e.kind) {
        case EventKind::participant_joined: status(fmt::format("{} joined ({})", e.name, e.role)); break;
        case EventKind::slide: status(fmt::format("slide {}/{}", e.page, lesson_.deck_pages)); break;
        case EventKind::chat: status(fmt::format("chat {}: {}", e.name, e.text)); break;
        }
    }
    std::move(batch.begin(), batch.end(), std::back_inserter(lesson_.events));
    return {};
}

Result<void> Run::play(ControlClient& client, const LessonScript& script, RtpSender& sender) {
    const auto& events = script.events;
    auto it = events.begin();
    // t = 0: the joins and the first slide, then the media starts.
    const auto first_end = std::find_if(it, events.end(), [](const ScriptedEvent& e) { return e.at_ms > 0; });
    const Clock::time_point t0 = Clock::now();
    lesson_.started_utc_us = wall_now().utc_us;
    if (auto ok = post(client, std::vector<ScriptedEvent>(it, first_end)); !ok) return ok;
    it = first_end;
    if (auto ok = sender.start(); !ok) return ok;
    status(fmt::format("sending RTP to {} for {} s", options_.sender_host, options_.duration_ms / 1000));
    if (options_.markers.enabled()) {
        status(fmt::format("A/V-sync markers (white webcam + 1 kHz beep) at {} ms and every {} ms after",
                           options_.markers.first_ms, options_.markers.interval_ms));
    }

    while (it != events.end() && it->at_ms < options_.duration_ms) {
        const std::int64_t at_ms = it->at_ms;
        auto waited = wait_until(t0 + std::chrono::milliseconds(at_ms), sender, stop_);
        if (!waited) return std::unexpected(waited.error());
        if (!*waited) break;
        const auto end = std::find_if(it, events.end(), [&](const ScriptedEvent& e) { return e.at_ms != at_ms; });
        if (auto ok = post(client, std::vector<ScriptedEvent>(it, end)); !ok) return ok;
        it = end;
    }
    auto waited = wait_until(t0 + std::chrono::milliseconds(options_.duration_ms), sender, stop_);
    if (!waited) return std::unexpected(waited.error());
    lesson_.cancelled = !*waited;
    if (lesson_.cancelled) status("stop requested: ending the lesson early");
    auto stopped = sender.stop();
    lesson_.stopped_utc_us = wall_now().utc_us;
    return stopped;
}

Result<SimulatedLesson> Run::go() {
    if (options_.duration_ms <= 0) {
        return fail(Errc::invalid_argument, fmt::format("simulate: duration_ms = {} (must be > 0)", options_.duration_ms));
    }
    auto client = ControlClient::create(options_.control_url);
    if (!client) return std::unexpected(client.error());
    client->set_secret(options_.secret);
    const LessonScript script = make_lesson_script(
        {options_.duration_ms, options_.slide_interval_ms, options_.chat_messages, k_deck_pages});
    lesson_.participants = script.participants;

    auto id = client->create_session({options_.meeting_id, options_.title, options_.context, script.participants});
    if (!id) return std::unexpected(id.error());
    lesson_.recording_id = *id;
    status(fmt::format("session {} for meeting {} at {}", *id, options_.meeting_id, options_.control_url));

    Result<void> played = setup(*client);
    if (played) {
        RtpSenderOptions sender_options;
        sender_options.host = options_.sender_host;
        sender_options.markers = options_.markers;
        lesson_.markers = options_.markers;
        for (const auto& t : lesson_.tracks) {
            SenderStream s;
            s.kind = t.kind == "video" ? SenderStream::Kind::video : SenderStream::Kind::audio;
            s.port = t.port;
            s.tone_hz = t.tone_hz;
            s.label = "Frau Müller";
            s.marked = t.participant == "teacher"; // the teacher's webcam flashes, her microphone beeps
            sender_options.streams.push_back(std::move(s));
        }
        auto sender = RtpSender::create(sender_options);
        played = sender ? play(*client, script, *sender) : Result<void>(std::unexpected(sender.error()));
    }
    // Stop the session even after a failure, so that the recorder does not keep a session
    // recording forever; the first error is the one reported.
    auto stopped = client->stop(lesson_.recording_id);
    if (!played) {
        log::get("samples")->error("simulate {}: {}", lesson_.recording_id, played.error().describe());
        return std::unexpected(played.error());
    }
    if (!stopped) return std::unexpected(stopped.error());
    status(fmt::format("session {} stopped after {} events", lesson_.recording_id, lesson_.events.size()));
    return std::move(lesson_);
}

} // namespace

Result<SimulatedLesson> simulate(const SimulatorOptions& options, std::function<void(std::string_view status)> on_status,
                                 std::stop_token stop) {
    Run run(options, std::move(on_status), std::move(stop));
    return run.go();
}

} // namespace tafel::samples
