// tafel simulate | demo | process: the synthetic lesson, the whole demo, and rendering one
// raw recording directly without the queue.
#include "app/commands.hpp"
#include "app/common_options.hpp"
#include "app/duration_arg.hpp"
#include "app/services.hpp"

#include "core/log.hpp"
#include "samples/simulator.hpp"
#include "transcode/render_job.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <stdexcept>

namespace tafel::app {

namespace {

struct LessonFlags {
    std::string duration = "2m";
    std::string slide_interval = "20s";
    int chat_messages = 20;
    std::string markers = "10s";

    void add_to(CLI::App& cmd) {
        cmd.add_option("--duration", duration, "lesson length, e.g. 20s, 2m, 1h (default 2m)");
        cmd.add_option("--slide-interval", slide_interval, "time between slide changes (default 20s)");
        cmd.add_option("--chat", chat_messages, "chat messages over the lesson (default 20)")
            ->check(CLI::Range(0, 10'000));
        cmd.add_option("--markers", markers,
                       "A/V-sync markers: the teacher's webcam flashes white and her microphone beeps at "
                       "1 kHz every this long, from then on; 0 = none (default 10s)");
    }

    samples::SimulatorOptions options(const std::filesystem::path& work_dir) const {
        samples::SimulatorOptions o;
        auto d = parse_duration_ms(duration);
        if (!d) throw std::runtime_error("--duration: " + d.error().message);
        auto s = parse_duration_ms(slide_interval);
        if (!s) throw std::runtime_error("--slide-interval: " + s.error().message);
        auto m = markers == "0" ? Result<std::int64_t>(0) : parse_duration_ms(markers);
        if (!m) throw std::runtime_error("--markers: " + m.error().message);
        o.duration_ms = *d;
        o.markers = {*m, *m};
        o.slide_interval_ms = *s;
        o.chat_messages = chat_messages;
        o.work_dir = work_dir;
        return o;
    }
};

samples::SimulatedLesson run_simulation(samples::SimulatorOptions options) {
    auto lesson = samples::simulate(options, [](std::string_view status) {
        fmt::print("simulate: {}\n", status);
        std::fflush(stdout);
    });
    if (!lesson) throw std::runtime_error("simulate: " + lesson.error().describe());
    return *lesson;
}

void add_simulate(CLI::App& app, Action& chosen) {
    auto* cmd = app.add_subcommand(
        "simulate",
        "Play a synthetic lesson into a running recorder: teacher webcam (VP8 640x360, 15 fps) and "
        "microphone, a pupil's microphone (Opus) as real RTP with RTCP over UDP, a 6-page PDF deck, "
        "slide changes and chat messages; stops the session at the end.");
    auto flags = std::make_shared<LessonFlags>();
    auto control_url = std::make_shared<std::string>("http://127.0.0.1:8090");
    auto work_dir = std::make_shared<std::string>("data/simulator");
    auto secret = std::make_shared<std::string>();
    cmd->add_option("--control-url", *control_url, "the recorder's control API (default http://127.0.0.1:8090)");
    cmd->add_option("--secret", *secret, "shared secret that signs control requests (default: $TAFEL_SECRET)")
        ->envname("TAFEL_SECRET");
    cmd->add_option("--work-dir", *work_dir, "where the generated deck is written (default data/simulator)");
    flags->add_to(*cmd);
    cmd->callback([&chosen, flags, control_url, work_dir, secret] {
        chosen = [flags, control_url, work_dir, secret] {
            auto options = flags->options(*work_dir);
            options.control_url = *control_url;
            options.secret = *secret;
            const auto lesson = run_simulation(options);
            fmt::print("simulate: recorded as {}\n", lesson.recording_id);
            std::fflush(stdout);
            return 0;
        };
    });
}

void add_demo(CLI::App& app, Action& chosen) {
    auto* cmd = app.add_subcommand(
        "demo",
        "The whole product in one command: start recorder, worker and player, record a synthetic "
        "lesson over loopback RTP, process it, print the playback URL and serve until Ctrl-C.");
    auto common = std::make_shared<CommonOptions>();
    auto flags = std::make_shared<LessonFlags>();
    common->add_to(*cmd);
    flags->add_to(*cmd);
    cmd->callback([&chosen, common, flags] {
        chosen = [common, flags] {
            const Config config = common->load();
            auto services = Services::start(config, ServiceSet{true, true, true});
            auto options = flags->options(config.data_dir / "simulator");
            options.control_url = services->control_url();
            options.secret = config.secret;
            fmt::print("demo: recording a {} synthetic lesson (real RTP over loopback)…\n", flags->duration);
            std::fflush(stdout);
            const auto lesson = run_simulation(options);
            fmt::print("demo: lesson recorded as {}; processing…\n", lesson.recording_id);
            std::fflush(stdout);
            if (!services->wait_until_processed(lesson.recording_id)) {
                fmt::print(stderr, "demo: processing failed (see the log above)\n");
                services->stop();
                return 1;
            }
            fmt::print("\n  Watch the lesson:  {}\n  All recordings:    http://{}:{}/\n\n"
                       "Serving until Ctrl-C.\n",
                       services->playback_url(lesson.recording_id), config.listen_address,
                       services->player_port());
            std::fflush(stdout);
            wait_for_stop_signal();
            services->stop();
            return 0;
        };
    });
}

void add_process(CLI::App& app, Action& chosen) {
    auto* cmd = app.add_subcommand(
        "process",
        "Render one raw recording folder into lesson.webm, lesson.mp4, chat.json and manifest.json "
        "in OUT_DIR, directly (no queue, no catalog).");
    auto raw = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    auto threads = std::make_shared<int>(0);
    cmd->add_option("RAW_DIR", *raw, "a raw recording folder (with recording.json)")->required()->check(
        CLI::ExistingDirectory);
    cmd->add_option("OUT_DIR", *out, "output folder (created; must be empty or absent)")->required();
    cmd->add_option("--encoder-threads", *threads, "threads per encoder, 0 = (cores - 1) / 2, at least 1");
    cmd->callback([&chosen, raw, out, threads] {
        chosen = [raw, out, threads] {
            std::filesystem::create_directories(*out);
            transcode::RenderOptions options;
            options.output.threads = *threads;
            int last = -1;
            auto summary = transcode::render_recording(*raw, *out, options, [&](int permille) {
                if (permille / 100 != last) {
                    last = permille / 100;
                    fmt::print("process: {}%\n", permille / 10);
                    std::fflush(stdout);
                }
                return true;
            });
            if (!summary) {
                fmt::print(stderr, "tafel process: {}\n", summary.error().describe());
                return 1;
            }
            fmt::print("process: {} ms of lesson rendered into {}\n", summary->duration_ms, *out);
            return 0;
        };
    });
}

} // namespace

void add_lesson_commands(CLI::App& app, Action& chosen) {
    add_simulate(app, chosen);
    add_demo(app, chosen);
    add_process(app, chosen);
}

} // namespace tafel::app
