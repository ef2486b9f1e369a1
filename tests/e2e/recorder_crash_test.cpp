// Issue 3, "Crash test", through the binary: `tafel record` (the real recorder process, with a
// secret, so every control request is HMAC-signed) gets a four-stream session (two VP8 webcams,
// two Opus microphones, real libvpx/libopus media over loopback UDP, sequence numbers and RTP
// timestamps just before their wrap) and is killed with SIGKILL at a random moment, 20 times
// on one data folder. Each restart recovers the dead session before its control API answers:
// every RTP packet sent more than one sync interval (+ slack) before the kill is in the closed
// pcap, the recording is stopped on disk and in the catalog with one render job. The last,
// longer session is then rendered by `tafel process` and probed with ffprobe.
#include "child_process.hpp"
#include "media_probe.hpp"
#include "rtp_media.hpp"
#include "tafel_up.hpp"
#include "tests/ingest/recovered_recording.hpp"

#include "core/time.hpp"
#include "samples/control_client.hpp"
#include "storage/catalog.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using tafel::test::ChildProcess;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int k_runs = 20;
constexpr auto k_sync_interval = 250ms;
// Scheduling slack on a loaded CI machine under sanitizers: the recorder's thread may start a
// flush a little late. The claim tested is "sent > sync interval + slack before the kill".
constexpr auto k_slack = 100ms;
constexpr const char* k_secret = "e2e-crash-secret";

// One UDP socket per sender, as each webcam/microphone of a real client has its own.
class UdpSender {
public:
    explicit UdpSender(std::uint16_t to_port) {
        fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
        REQUIRE(fd_ >= 0);
        sockaddr_in any{};
        any.sin_family = AF_INET;
        any.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd_, reinterpret_cast<const sockaddr*>(&any), sizeof any) == 0);
        to_.sin_family = AF_INET;
        to_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        to_.sin_port = htons(to_port);
    }
    ~UdpSender() {
        if (fd_ >= 0) ::close(fd_);
    }
    UdpSender(const UdpSender&) = delete;
    UdpSender& operator=(const UdpSender&) = delete;

    bool send(const std::vector<std::uint8_t>& bytes) const {
        return ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&to_), sizeof to_) ==
               static_cast<ssize_t>(bytes.size());
    }

private:
    int fd_ = -1;
    sockaddr_in to_{};
};

struct StreamPlan {
    std::string kind; // "video" | "audio"
    std::string participant;
    std::vector<tafel::test::RtpDatagram> datagrams;
};

using Run = tafel::ingest::test::KilledRun;

void check_recovered(const fs::path& data, const Run& run) {
    tafel::ingest::test::check_recovered(data, run, k_sync_interval + k_slack);
}

tafel::samples::ControlClient client_for(int port, bool signed_requests) {
    auto client = tafel::samples::ControlClient::create(fmt::format("http://127.0.0.1:{}", port));
    REQUIRE(client);
    if (signed_requests) client->set_secret(k_secret);
    return std::move(*client);
}

} // namespace

TEST_CASE("tafel record killed with SIGKILL 20 times keeps every packet older than one sync interval and the "
          "recovered lesson renders",
          "[e2e]") {
    const fs::path data = fs::path(TAFEL_BINARY_DIR) / "e2e" / fmt::format("recorder-crash-{}", ::getpid());
    fs::remove_all(data);
    fs::create_directories(data);
    std::ofstream(data / "config.json") << fmt::format(R"({{"secret": "{}"}})", k_secret);
    const std::vector<std::string> record_args = {
        TAFEL_EXECUTABLE,     "record",      "--config",        (data / "config.json").string(),
        "--data-dir",         data.string(), "--control-port",  "0",
        "--rtp-port-min",     "48600",       "--rtp-port-max",  "48799",
        "--sync-interval-ms", "250",         "--disk-floor-mb", "0"};

    // Real media, encoded once: 4 s per stream, replayed from its start in every run.
    tafel::test::RtpMediaOptions media;
    media.seconds = 4;
    const std::vector<StreamPlan> plans = {{"video", "teacher", tafel::test::vp8_stream(media, 0x7e57'0001, 200)},
                                           {"audio", "teacher", tafel::test::opus_stream(media, 0x7e57'0002, 440)},
                                           {"video", "pupil", tafel::test::vp8_stream(media, 0x7e57'0003, 60)},
                                           {"audio", "pupil", tafel::test::opus_stream(media, 0x7e57'0004, 660)}};

    std::mt19937 random(std::random_device{}());
    std::uniform_int_distribution<int> kill_after_ms(150, 1200);
    std::vector<Run> runs;

    for (int n = 0; n < k_runs; ++n) {
        INFO("run " << n);
        ChildProcess recorder(record_args, (data / fmt::format("record-{}.log", n)).string());
        const auto line = recorder.wait_for_line("recorder control API at", 60s);
        REQUIRE(line);
        const int control_port = tafel::test::port_of(*line);
        REQUIRE(control_port > 0);
        if (n > 0) check_recovered(data, runs.back()); // recovered before the API answered

        auto client = client_for(control_port, true);
        if (n == 0) { // the secret is in force: an unsigned request is refused
            auto unsigned_answer =
                client_for(control_port, false).request("POST", "/api/v1/sessions", "application/json", "{}");
            REQUIRE(unsigned_answer);
            CHECK(unsigned_answer->status == 401);
        }
        auto id = client.create_session(
            {fmt::format("crash-{}", n),
             "Chemie 10",
             "klasse-10",
             {{"teacher", "Frau Yilmaz", "moderator", "unknown"}, {"pupil", "Mia", "viewer", "granted"}}});
        REQUIRE(id);
        Run run;
        run.id = *id;
        std::vector<std::unique_ptr<UdpSender>> senders;
        for (const auto& plan : plans) {
            const bool video = plan.kind == "video";
            auto grant = client.add_stream(run.id, {plan.kind, video ? "VP8" : "opus", video ? 96 : 111,
                                                    video ? 90'000 : 48'000, video ? 0 : 2, plan.participant});
            REQUIRE(grant);
            run.streams.push_back({grant->track, {}});
            senders.push_back(std::make_unique<UdpSender>(grant->port));
        }

        // Every stream's datagrams in one schedule, sent in real time until the kill. The last
        // run lasts about 3 s so that its render has something to show.
        struct Next {
            std::int64_t at_us;
            std::size_t stream, index;
        };
        std::vector<Next> schedule;
        for (std::size_t s = 0; s < plans.size(); ++s) {
            for (std::size_t i = 0; i < plans[s].datagrams.size(); ++i)
                schedule.push_back({plans[s].datagrams[i].send_us, s, i});
        }
        std::stable_sort(schedule.begin(), schedule.end(),
                         [](const Next& a, const Next& b) { return a.at_us < b.at_us; });
        const auto kill_after = n == k_runs - 1 ? 3000ms : std::chrono::milliseconds(kill_after_ms(random));
        const auto t0 = Clock::now();
        for (const auto& next : schedule) {
            const auto due = t0 + std::chrono::microseconds(next.at_us);
            if (due >= t0 + kill_after) break;
            std::this_thread::sleep_until(due); // the media's own pace, not a synchronisation
            auto datagram = plans[next.stream].datagrams[next.index];
            if (datagram.rtcp) { // the SR's NTP time is the moment it leaves (RFC 3550 6.4.1)
                const std::uint64_t ntp = tafel::ntp_from_wall(tafel::wall_now());
                for (int b = 0; b < 8; ++b)
                    datagram.bytes[8 + static_cast<std::size_t>(b)] = static_cast<std::uint8_t>(ntp >> (56 - 8 * b));
            }
            const auto sent_at = Clock::now();
            REQUIRE(senders[next.stream]->send(datagram.bytes));
            if (!datagram.rtcp) run.streams[next.stream].sent[datagram.seq] = sent_at;
        }
        std::this_thread::sleep_until(t0 + kill_after);
        run.killed_at = Clock::now();
        CHECK(recorder.stop(SIGKILL, 10s) == 128 + SIGKILL);
        std::size_t sent = 0;
        for (const auto& s : run.streams) sent += s.sent.size();
        INFO("killed after " << kill_after.count() << " ms, " << sent << " RTP packets sent");
        CHECK(sent > 0);
        runs.push_back(std::move(run));
    }

    // A last start recovers the last run; it then shuts down cleanly.
    {
        ChildProcess recorder(record_args, (data / "record-last.log").string());
        REQUIRE(recorder.wait_for_line("recorder control API at", 60s));
        check_recovered(data, runs.back());
        CHECK(recorder.stop(SIGTERM, 60s) == 0);
    }
    auto catalog = tafel::storage::Catalog::open("sqlite:" + (data / "tafel.db").string());
    REQUIRE(catalog);
    auto rows = (*catalog)->list_recordings("");
    REQUIRE(rows);
    CHECK(rows->size() == static_cast<std::size_t>(k_runs));
    for (const auto& row : *rows) CHECK(row.state == tafel::storage::RecordingState::stopped);

    // The recovered 3 s session renders into a playable lesson: both webcams and both voices.
    const fs::path out = data / "out";
    const auto processed =
        tafel::test::run_command({TAFEL_EXECUTABLE, "process", (data / "raw" / runs.back().id).string(), out.string(),
                                  "--encoder-threads", "1"});
    INFO(processed.out);
    REQUIRE(processed.status == 0);
    const auto webm = tafel::test::probe(out / "lesson.webm");
    CHECK(webm.has("video", "vp9"));
    CHECK(webm.has("audio", "opus"));
    CHECK(webm.duration_s >= 2.5);
    CHECK(webm.duration_s <= 4.0);
    const auto mp4 = tafel::test::probe(out / "lesson.mp4");
    CHECK(mp4.has("video", "h264"));
    CHECK(mp4.has("audio", "aac"));
    CHECK(tafel::test::audio_rms(out / "lesson.webm") > 0.01); // the voices were mixed in, not silence
    fs::remove_all(data);
}
