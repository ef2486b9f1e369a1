// Issue 3, "Durability": a recorder process (a forked child running the real Recorder on a
// SQLite catalog) is killed with SIGKILL at random moments while this test sends a
// three-stream session over loopback UDP, 20 times on one data folder. Each restart recovers
// the dead session before it answers: every packet sent more than one sync interval before
// the kill is in the closed pcap (read with ingest's reader), the recording is stopped on disk
// and in the catalog, and its render job is enqueued.
#include "http_client.hpp"
#include "ingest/raw_recording.hpp"
#include "ingest/recorder.hpp"
#include "recovered_recording.hpp"
#include "storage/catalog.hpp"
#include "storage/layout.hpp"
#include "tests/support/temp_dir.hpp"

#include <boost/asio/ip/udp.hpp>
#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>

using namespace tafel;
using namespace tafel::ingest;
using nlohmann::json;
namespace net = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr int k_runs = 20;
constexpr auto k_sync_interval = 250ms;
// Scheduling slack on a loaded CI machine under sanitizers: the recorder's thread may start a
// flush a little late. The claim tested is "sent > sync interval + slack before the kill".
constexpr auto k_slack = 50ms;

// The recorder in a child process. The child reports its control port through a pipe once
// start() (and with it the recovery of dead sessions) is done, then serves until killed.
class RecorderProcess {
public:
    explicit RecorderProcess(const fs::path& data) {
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            ::close(fds[0]);
            run_child(data, fds[1]);   // never returns
        }
        ::close(fds[1]);
        pollfd p{fds[0], POLLIN, 0};
        std::uint16_t port = 0;
        if (::poll(&p, 1, 60'000) == 1 && ::read(fds[0], &port, sizeof port) == static_cast<ssize_t>(sizeof port)) {
            port_ = port;
        }
        ::close(fds[0]);
    }
    ~RecorderProcess() { kill(); }
    RecorderProcess(const RecorderProcess&) = delete;
    RecorderProcess& operator=(const RecorderProcess&) = delete;

    std::uint16_t port() const { return port_; }

    // SIGKILL and reap; true when the child died of it.
    bool kill() {
        if (pid_ <= 0) return false;
        ::kill(pid_, SIGKILL);
        int status = 0;
        const bool reaped = ::waitpid(pid_, &status, 0) == pid_;
        pid_ = -1;
        return reaped && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    }

private:
    [[noreturn]] static void run_child(const fs::path& data, int report_fd) {
        auto catalog = storage::Catalog::open("sqlite:" + (data / "tafel.db").string());
        if (!catalog) ::_exit(2);
        const storage::Layout layout(data);
        RecorderOptions options{"127.0.0.1", 0, 47500, 47699};
        options.sync_interval = k_sync_interval;
        auto recorder = Recorder::create(options, **catalog, layout);
        if (!recorder || !(*recorder)->start()) ::_exit(3);
        const std::uint16_t port = (*recorder)->control_port();
        if (::write(report_fd, &port, sizeof port) != static_cast<ssize_t>(sizeof port)) ::_exit(4);
        for (;;) ::pause();   // until SIGKILL
    }

    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
};

// Where one stream's packets go and what they carry.
struct StreamPlan {
    net::ip::udp::endpoint to;
    std::uint8_t payload_type = 0;
    std::size_t payload = 0;
};

using ingest::test::KilledRun;

std::vector<std::uint8_t> rtp(std::uint8_t pt, std::uint16_t seq, std::uint32_t ts, std::uint32_t ssrc, std::size_t n) {
    std::vector<std::uint8_t> b = {0x80, pt, static_cast<std::uint8_t>(seq >> 8), static_cast<std::uint8_t>(seq),
                                   static_cast<std::uint8_t>(ts >> 24), static_cast<std::uint8_t>(ts >> 16),
                                   static_cast<std::uint8_t>(ts >> 8), static_cast<std::uint8_t>(ts),
                                   static_cast<std::uint8_t>(ssrc >> 24), static_cast<std::uint8_t>(ssrc >> 16),
                                   static_cast<std::uint8_t>(ssrc >> 8), static_cast<std::uint8_t>(ssrc)};
    b.resize(12 + n, 0x5a);
    return b;
}

} // namespace

TEST_CASE("a recorder killed with SIGKILL 20 times loses no packet older than one sync interval",
          "[integration][ingest][recorder]") {
    tafel::test::TempDir dir("tafel-recorder-crash");
    const fs::path data = dir.path();
    fs::create_directories(data / "raw");
    std::mt19937 random(std::random_device{}());
    std::uniform_int_distribution<int> kill_after_ms(100, 900);
    net::io_context io;
    net::ip::udp::socket sender(io, net::ip::udp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    std::vector<KilledRun> runs;

    for (int n = 0; n < k_runs; ++n) {
        INFO("run " << n);
        RecorderProcess recorder(data);
        REQUIRE(recorder.port() != 0);
        if (n > 0)
            ingest::test::check_recovered(data, runs.back(),
                                          k_sync_interval + k_slack); // recovered before the API answered

        const json created =
            ingest::test::http_post(
                recorder.port(), "/api/v1/sessions",
                {{"meeting_id", fmt::format("crash-{}", n)},
                 {"name", "Chemie 10"},
                 {"context", "klasse-10"},
                 {"participants",
                  {{{"id", "teacher"}, {"name", "Frau Yilmaz"}, {"role", "moderator"}, {"consent", "unknown"}},
                   {{"id", "pupil"}, {"name", "Mia"}, {"role", "viewer"}, {"consent", "granted"}}}}})
                .json();
        REQUIRE(created.contains("id"));
        KilledRun run;
        run.id = created["id"];
        std::vector<StreamPlan> plans;
        const std::vector<json> streams = {
            {{"kind", "video"}, {"codec", "VP8"}, {"payload_type", 96}, {"clock_rate", 90000}, {"participant", "teacher"}},
            {{"kind", "audio"}, {"codec", "opus"}, {"payload_type", 111}, {"clock_rate", 48000}, {"channels", 2}, {"participant", "teacher"}},
            {{"kind", "audio"}, {"codec", "opus"}, {"payload_type", 111}, {"clock_rate", 48000}, {"channels", 2}, {"participant", "pupil"}}};
        for (const auto& s : streams) {
            const json added =
                ingest::test::http_post(recorder.port(), "/api/v1/sessions/" + run.id + "/streams", s).json();
            REQUIRE(added.contains("port"));
            const std::uint16_t media_port = added["port"];
            run.streams.push_back({added["track"], {}});
            plans.push_back({{net::ip::make_address("127.0.0.1"), media_port},
                             static_cast<std::uint8_t>(s["payload_type"]),
                             s["kind"] == "video" ? std::size_t{1000} : std::size_t{120}});
        }

        // ~1 packet per ms per stream until the kill at a random moment.
        const auto kill_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(kill_after_ms(random));
        std::uint32_t tick = 0;
        while (std::chrono::steady_clock::now() < kill_at) {
            for (std::size_t i = 0; i < plans.size(); ++i) {
                const auto& s = plans[i];
                auto& sent = run.streams[i].sent;
                const auto seq = static_cast<std::uint16_t>(sent.size());
                sent[seq] = std::chrono::steady_clock::now();
                sender.send_to(net::buffer(rtp(s.payload_type, seq, tick * 90, 0x1000u + s.to.port(), s.payload)), s.to);
            }
            ++tick;
            std::this_thread::sleep_for(1ms);   // the send rate, not a synchronisation
        }
        run.killed_at = std::chrono::steady_clock::now();
        CHECK(recorder.kill());
        runs.push_back(std::move(run));
    }
    // A last start recovers the last run; then every run is stopped with one render job.
    {
        RecorderProcess recorder(data);
        REQUIRE(recorder.port() != 0);
        ingest::test::check_recovered(data, runs.back(), k_sync_interval + k_slack);
    }
    auto catalog = storage::Catalog::open("sqlite:" + (data / "tafel.db").string());
    REQUIRE(catalog);
    auto rows = (*catalog)->list_recordings("");
    REQUIRE(rows);
    CHECK(rows->size() == static_cast<std::size_t>(k_runs));
    for (const auto& row : *rows) CHECK(row.state == storage::RecordingState::stopped);
}
